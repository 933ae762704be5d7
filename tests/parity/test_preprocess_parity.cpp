// Tessera's eval preprocessing vs torchvision's on PIL, on real ImageNet JPEGs (the
// 500-image subset when it is beside the checkout; grayscale ones included).
//
// Decoding (libjpeg-turbo, as PIL), resizing (PIL's fixed-point resampling) and cropping
// are reproduced exactly, so the uint8 crops must be identical: tolerance 0 levels
// (the bound is 2/255). Normalisation is then checked against the float formula.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "data/transforms.h"
#include "tensor/npy.h"
#include "tests/parity/parity.h"

using namespace tessera;

TEST_CASE("preprocessing equals torchvision's Resize + CenterCrop on PIL, bilinear and bicubic") {
  const std::string dir = testing::parity_dir() + "/preprocess";
  std::ifstream list(dir + "/images.txt");
  REQUIRE(list);
  std::vector<std::string> paths;
  for (std::string p; std::getline(list, p);)
    if (!p.empty()) paths.push_back(p);
  REQUIRE(paths.size() >= 10);
  struct Preset {
    const char* name;
    int64_t resize;
    data::Interpolation interp;
  };
  for (const Preset& p : {Preset{"bilinear", 256, data::Interpolation::bilinear},
                          Preset{"bicubic", 232, data::Interpolation::bicubic}}) {
    const Tensor want = read_npy(dir + "/" + p.name + ".npy");  // [N, 224, 224, 3] uint8
    REQUIRE(want.size(0) == static_cast<int64_t>(paths.size()));
    int worst = 0;
    int64_t differing = 0;
    for (size_t i = 0; i < paths.size(); ++i) {
      const data::Image crop = data::center_crop(data::resize_shorter(data::decode_image(paths[i]), p.resize, p.interp), 224);
      const uint8_t* ref = want.data<uint8_t>() + i * 224 * 224 * 3;
      int img_worst = 0;
      for (size_t k = 0; k < crop.rgb.size(); ++k) img_worst = std::max(img_worst, std::abs(int(crop.rgb[k]) - int(ref[k])));
      differing += img_worst > 0;
      worst = std::max(worst, img_worst);
      CAPTURE(paths[i]);
      CHECK(img_worst <= 0);
    }
    MESSAGE(std::string(p.name), ": ", paths.size(), " images, ", differing, " differ, max |diff| = ", worst, " levels (", worst,
            "/255 after normalisation is undone)");
  }
}

TEST_CASE("preprocess() normalises as ToTensor + Normalize") {
  data::Image img;  // 256x256: Resize(256) leaves it alone, CenterCrop(224) starts at (16, 16)
  img.width = img.height = 256;
  img.rgb.resize(256 * 256 * 3);
  for (size_t i = 0; i < img.rgb.size(); ++i) img.rgb[i] = static_cast<uint8_t>(i * 7 % 256);
  const Tensor t = data::preprocess(img, data::EvalPreset{});
  const float mean[3] = {0.485f, 0.456f, 0.406f}, std[3] = {0.229f, 0.224f, 0.225f};
  double worst = 0;
  for (int c = 0; c < 3; ++c)
    for (int64_t k = 0; k < 224 * 224; ++k) {
      const uint8_t v = img.at(k / 224 + 16, k % 224 + 16, c);
      const float x = (static_cast<float>(v) / 255.f - mean[c]) / std[c];
      worst = std::max(worst, std::fabs(double(t.at<float>({c, k / 224, k % 224})) - x));
    }
  MESSAGE("normalisation: max |diff| = ", worst);
  CHECK(worst == 0.0);
}

TEST_CASE("PNG flavours decode as PIL's convert(\"RGB\"): palette, alpha, gray, gray+alpha, PNG named .JPEG") {
  const std::string dir = testing::parity_dir() + "/preprocess/png";
  std::ifstream list(dir + "/variants.txt");
  REQUIRE(list);
  int n = 0;
  for (std::string name; std::getline(list, name);) {
    if (name.empty()) continue;
    CAPTURE(name);
    const data::Image img = data::decode_image(dir + "/" + name);
    const Tensor want = read_npy(dir + "/" + name + ".rgb.npy");  // [H, W, 3] uint8
    REQUIRE(want.shape() == Shape{img.height, img.width, 3});
    int worst = 0;
    for (size_t k = 0; k < img.rgb.size(); ++k) worst = std::max(worst, std::abs(int(img.rgb[k]) - int(want.data<uint8_t>()[k])));
    CHECK(worst == 0);
    ++n;
  }
  CHECK(n == 5);
  const data::Image g16 = data::decode_image(dir + "/gray16.png");
  CHECK(g16.width == 67);
  CHECK(g16.height == 45);
}
