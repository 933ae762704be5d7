#include "data/transforms.h"

#include <algorithm>
#include <cmath>

#include "tensor/error.h"

namespace tessera::data {

namespace {

// PIL's resampling filters (Imaging/Resample.c semantics).
double bilinear_filter(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}
double bicubic_filter(double x) {
  const double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

constexpr int kPrecisionBits = 32 - 8 - 2;  // PIL's fixed-point coefficient precision

// For each output index: the first input index and the fixed-point weights of its window.
struct Coeffs {
  int64_t ksize = 0;
  std::vector<int64_t> first, count;
  std::vector<int32_t> weights;  // out_size * ksize
};

Coeffs precompute(int64_t in_size, int64_t out_size, Interpolation interp) {
  const double support_1 = interp == Interpolation::bilinear ? 1.0 : 2.0;
  double (*filter)(double) = interp == Interpolation::bilinear ? bilinear_filter : bicubic_filter;
  const double scale = static_cast<double>(in_size) / static_cast<double>(out_size);
  const double filterscale = std::max(scale, 1.0);  // widen the filter when shrinking: antialias
  const double support = support_1 * filterscale;
  Coeffs c;
  c.ksize = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  c.first.resize(out_size);
  c.count.resize(out_size);
  c.weights.assign(static_cast<size_t>(out_size * c.ksize), 0);
  std::vector<double> k(static_cast<size_t>(c.ksize));
  for (int64_t xx = 0; xx < out_size; ++xx) {
    const double center = (static_cast<double>(xx) + 0.5) * scale;
    int64_t xmin = static_cast<int64_t>(center - support + 0.5);  // C's (int) truncation
    if (xmin < 0) xmin = 0;
    int64_t xmax = static_cast<int64_t>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int64_t x = 0; x < xmax; ++x) {
      const double w = filter((static_cast<double>(x + xmin) - center + 0.5) / filterscale);
      k[x] = w;
      ww += w;
    }
    for (int64_t x = 0; x < xmax; ++x) {
      const double w = ww != 0.0 ? k[x] / ww : 0.0;
      c.weights[xx * c.ksize + x] = static_cast<int32_t>(w < 0 ? w * (1 << kPrecisionBits) - 0.5
                                                                 : w * (1 << kPrecisionBits) + 0.5);
    }
    c.first[xx] = xmin;
    c.count[xx] = xmax;
  }
  return c;
}

uint8_t clip8(int64_t v) {
  v >>= kPrecisionBits;
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

}  // namespace

Image resize(const Image& img, int64_t width, int64_t height, Interpolation interp) {
  TESSERA_CHECK(width > 0 && height > 0, "resize: invalid target size ", width, "x", height);
  TESSERA_CHECK(img.width > 0 && img.height > 0, "resize: empty image");
  // PIL resamples horizontally first, rounding to 8 bits, then vertically.
  Image tmp = img;
  if (width != img.width) {
    const Coeffs c = precompute(img.width, width, interp);
    tmp.width = width;
    tmp.rgb.assign(static_cast<size_t>(img.height * width * 3), 0);
    for (int64_t y = 0; y < img.height; ++y)
      for (int64_t x = 0; x < width; ++x)
        for (int ch = 0; ch < 3; ++ch) {
          int64_t ss = int64_t(1) << (kPrecisionBits - 1);
          for (int64_t i = 0; i < c.count[x]; ++i) ss += int64_t(img.at(y, c.first[x] + i, ch)) * c.weights[x * c.ksize + i];
          tmp.rgb[(y * width + x) * 3 + ch] = clip8(ss);
        }
  }
  if (height == tmp.height) return tmp;
  const Coeffs c = precompute(tmp.height, height, interp);
  Image out;
  out.width = tmp.width;
  out.height = height;
  out.rgb.assign(static_cast<size_t>(height * tmp.width * 3), 0);
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < tmp.width; ++x)
      for (int ch = 0; ch < 3; ++ch) {
        int64_t ss = int64_t(1) << (kPrecisionBits - 1);
        for (int64_t i = 0; i < c.count[y]; ++i) ss += int64_t(tmp.at(c.first[y] + i, x, ch)) * c.weights[y * c.ksize + i];
        out.rgb[(y * tmp.width + x) * 3 + ch] = clip8(ss);
      }
  return out;
}

Image resize_shorter(const Image& img, int64_t size, Interpolation interp) {
  const bool wide = img.width >= img.height;
  const int64_t shorter = wide ? img.height : img.width, longer = wide ? img.width : img.height;
  const int64_t new_long = static_cast<int64_t>(static_cast<double>(size) * longer / shorter);
  if (shorter == size) return img;  // torchvision returns the image unchanged
  return wide ? resize(img, new_long, size, interp) : resize(img, size, new_long, interp);
}

Image center_crop(const Image& img, int64_t size) {
  TESSERA_CHECK(img.width >= size && img.height >= size, "center_crop: image ", img.width, "x", img.height,
                " is smaller than the crop ", size);
  // int(round((h - size) / 2.0)) with Python's round-half-to-even
  auto offset = [](int64_t extra) {
    const int64_t half = extra / 2;
    return (extra % 2 == 1 && half % 2 == 1) ? half + 1 : half;
  };
  const int64_t top = offset(img.height - size), left = offset(img.width - size);
  Image out;
  out.width = out.height = size;
  out.rgb.resize(static_cast<size_t>(size * size * 3));
  for (int64_t y = 0; y < size; ++y)
    std::copy_n(&img.rgb[((top + y) * img.width + left) * 3], size * 3, &out.rgb[y * size * 3]);
  return out;
}

Tensor preprocess(const Image& img, const EvalPreset& p) {
  const Image cropped = center_crop(resize_shorter(img, p.resize_size, p.interpolation), p.crop_size);
  const int64_t n = p.crop_size * p.crop_size;
  Tensor t = Tensor::empty({3, p.crop_size, p.crop_size});
  float* d = t.data<float>();
  for (int c = 0; c < 3; ++c)
    for (int64_t i = 0; i < n; ++i)
      d[c * n + i] = (static_cast<float>(cropped.rgb[i * 3 + c]) / 255.f - p.mean[c]) / p.std[c];
  return t;
}

}  // namespace tessera::data
