#include "kernels/pool.h"

#include <algorithm>

#include "kernels/kernel_table.h"
#include "kernels/parallel.h"
#include "tensor/error.h"

namespace tessera::kernels {

using MaxPlaneFn = void (*)(float*, int64_t*, const float*, int64_t, int64_t, int64_t, int64_t, const Pool2dParams&);
using AvgPlaneFn = void (*)(float*, const float*, int64_t, int64_t, int64_t, int64_t, const Pool2dParams&);
using AdaptivePlaneFn = void (*)(float*, const float*, int64_t, int64_t, int64_t, int64_t);
using GlobalFn = void (*)(float*, const float*, int64_t, int64_t);

int64_t pool_output_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  TESSERA_CHECK(k > 0 && s > 0 && d > 0, "pool2d: kernel (", k, "), stride (", s, ") and dilation (", d,
                ") must be positive");
  TESSERA_CHECK(p >= 0 && p <= k / 2, "pool2d: padding ", p, " must be between 0 and half the kernel size ", k);
  const int64_t span = in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  int64_t out = (span >= 0 ? span / s : -((-span + s - 1) / s)) + 1;  // floor division
  // torch drops a ceil_mode window that would start in the right padding (or beyond).
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  TESSERA_CHECK(out >= 1, "pool2d: input size ", in, " with kernel ", k, ", stride ", s, ", padding ", p,
                ", dilation ", d, " gives output size ", out, ": too small");
  return out;
}

namespace {
// The spec of global pooling: the adaptive ref, plane by plane, with a 1 x 1 output.
void global_avg_pool_ref(float* y, const float* x, int64_t planes, int64_t HW) {
  for (int64_t i = 0; i < planes; ++i) adaptive_avg_pool2d_plane_f32_ref(y + i, x + i * HW, 1, HW, 1, 1);
}

template <typename Fn>
void for_each_plane(int64_t planes, int64_t plane_work, Fn&& fn) {
  parallel_for(planes, std::max<int64_t>(1, 16384 / std::max<int64_t>(plane_work, 1)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) fn(i);
  });
}
}  // namespace

void max_pool2d_f32(float* y, int64_t* indices, const float* x, int64_t N, int64_t C, int64_t H, int64_t W,
                    const Pool2dParams& p) {
  static const KernelTable<MaxPlaneFn> table = [] {
    KernelTable<MaxPlaneFn> t;
    t.impl[int(Isa::ref)] = max_pool2d_plane_f32_ref;
    t.impl[int(Isa::avx2)] = max_pool2d_plane_f32__avx2;
    t.impl[int(Isa::avx512)] = max_pool2d_plane_f32__avx512;
    return t;
  }();
  const int64_t OH = pool_output_size(H, p.kh, p.sh, p.ph, p.dh, p.ceil_mode);
  const int64_t OW = pool_output_size(W, p.kw, p.sw, p.pw, p.dw, p.ceil_mode);
  const MaxPlaneFn fn = table.get();
  for_each_plane(N * C, H * W, [&](int64_t i) {
    fn(y + i * OH * OW, indices ? indices + i * OH * OW : nullptr, x + i * H * W, H, W, OH, OW, p);
  });
}

void avg_pool2d_f32(float* y, const float* x, int64_t N, int64_t C, int64_t H, int64_t W, const Pool2dParams& p) {
  static const KernelTable<AvgPlaneFn> table = [] {
    KernelTable<AvgPlaneFn> t;
    t.impl[int(Isa::ref)] = avg_pool2d_plane_f32_ref;
    t.impl[int(Isa::avx2)] = avg_pool2d_plane_f32__avx2;
    t.impl[int(Isa::avx512)] = avg_pool2d_plane_f32__avx512;
    return t;
  }();
  TESSERA_CHECK(p.dh == 1 && p.dw == 1, "avg_pool2d: has no dilation (got ", p.dh, "x", p.dw, ")");
  TESSERA_CHECK(p.divisor_override >= 0, "avg_pool2d: divisor_override ", p.divisor_override, " is negative");
  const int64_t OH = pool_output_size(H, p.kh, p.sh, p.ph, 1, p.ceil_mode);
  const int64_t OW = pool_output_size(W, p.kw, p.sw, p.pw, 1, p.ceil_mode);
  const AvgPlaneFn fn = table.get();
  for_each_plane(N * C, H * W, [&](int64_t i) { fn(y + i * OH * OW, x + i * H * W, H, W, OH, OW, p); });
}

void adaptive_avg_pool2d_f32(float* y, const float* x, int64_t N, int64_t C, int64_t H, int64_t W, int64_t OH,
                             int64_t OW) {
  static const KernelTable<AdaptivePlaneFn> table = [] {
    KernelTable<AdaptivePlaneFn> t;
    t.impl[int(Isa::ref)] = adaptive_avg_pool2d_plane_f32_ref;
    t.impl[int(Isa::avx2)] = adaptive_avg_pool2d_plane_f32__avx2;
    t.impl[int(Isa::avx512)] = adaptive_avg_pool2d_plane_f32__avx512;
    return t;
  }();
  TESSERA_CHECK(OH > 0 && OW > 0, "adaptive_avg_pool2d: output size ", OH, "x", OW, " must be positive");
  TESSERA_CHECK(H > 0 && W > 0, "adaptive_avg_pool2d: input size ", H, "x", W, " must be positive");
  if (OH == 1 && OW == 1) {  // global average pooling: many planes per call
    static const KernelTable<GlobalFn> global = [] {
      KernelTable<GlobalFn> t;
      t.impl[int(Isa::ref)] = global_avg_pool_ref;
      t.impl[int(Isa::avx2)] = global_avg_pool_f32__avx2;
      t.impl[int(Isa::avx512)] = global_avg_pool_f32__avx512;
      return t;
    }();
    const GlobalFn g = global.get();
    const int64_t HW = H * W;
    parallel_for(N * C, std::max<int64_t>(16, 16384 / HW), [&](int64_t b, int64_t e) { g(y + b, x + b * HW, e - b, HW); });
    return;
  }
  const AdaptivePlaneFn fn = table.get();
  for_each_plane(N * C, H * W, [&](int64_t i) { fn(y + i * OH * OW, x + i * H * W, H, W, OH, OW); });
}

void pool_interior_columns(int64_t W, int64_t OW, int64_t stride, int64_t pad, int64_t extent, int64_t& lo,
                           int64_t& hi) {
  lo = std::min((pad + stride - 1) / stride, OW);  // ow * stride - pad >= 0
  const int64_t last = W - extent + pad;           // largest allowed ow * stride
  hi = last < 0 ? lo : std::clamp(last / stride + 1, lo, OW);
}

AvgPoolRow avg_pool2d_row(int64_t H, int64_t oh, const Pool2dParams& p) {
  const int64_t hp0 = oh * p.sh - p.ph, hp1 = std::min(hp0 + p.kh, H + p.ph);
  const int64_t h0 = std::max<int64_t>(hp0, 0), h1 = std::min(hp1, H);
  const int64_t div = p.divisor_override ? p.divisor_override
                      : p.count_include_pad ? (hp1 - hp0) * p.kw
                                            : std::max<int64_t>(h1 - h0, 1) * p.kw;
  return {h0, h1, div};
}

namespace {

float max_pool2d_one_f32(const float* x, int64_t H, int64_t W, int64_t oh, int64_t ow, const Pool2dParams& p) {
  // The ref on a 1x1 output whose window is shifted onto (oh, ow).
  Pool2dParams one = p;
  one.ph = p.ph - oh * p.sh;
  one.pw = p.pw - ow * p.sw;
  float y;
  max_pool2d_plane_f32_ref(&y, nullptr, x, H, W, 1, 1, one);
  return y;
}

// The ref's formula for one output: the clip bound W + pw is why the ref cannot simply be
// run on a shifted window as for max.
float avg_pool2d_one_f32(const float* x, int64_t H, int64_t W, int64_t oh, int64_t ow, const Pool2dParams& p) {
  const int64_t hp0 = oh * p.sh - p.ph, hp1 = std::min(hp0 + p.kh, H + p.ph);
  const int64_t h0 = std::max<int64_t>(hp0, 0), h1 = std::min(hp1, H);
  const int64_t wp0 = ow * p.sw - p.pw, wp1 = std::min(wp0 + p.kw, W + p.pw);
  const int64_t w0 = std::max<int64_t>(wp0, 0), w1 = std::min(wp1, W);
  float s = 0.f;
  for (int64_t h = h0; h < h1; ++h)
    for (int64_t w = w0; w < w1; ++w) s += x[h * W + w];
  const int64_t d = p.divisor_override ? p.divisor_override
                    : p.count_include_pad ? (hp1 - hp0) * (wp1 - wp0)
                                          : (h1 - h0) * (w1 - w0);
  return (h0 >= h1 || w0 >= w1) ? 0.f : s / float(d);
}

}  // namespace

void max_pool2d_border_f32(float* y, const float* x, int64_t H, int64_t W, int64_t oh, int64_t OW, int64_t lo,
                           int64_t hi, const Pool2dParams& p) {
  for (int64_t ow = 0; ow < lo; ++ow) y[oh * OW + ow] = max_pool2d_one_f32(x, H, W, oh, ow, p);
  for (int64_t ow = hi; ow < OW; ++ow) y[oh * OW + ow] = max_pool2d_one_f32(x, H, W, oh, ow, p);
}

void avg_pool2d_border_f32(float* y, const float* x, int64_t H, int64_t W, int64_t oh, int64_t OW, int64_t lo,
                           int64_t hi, const Pool2dParams& p) {
  for (int64_t ow = 0; ow < lo; ++ow) y[oh * OW + ow] = avg_pool2d_one_f32(x, H, W, oh, ow, p);
  for (int64_t ow = hi; ow < OW; ++ow) y[oh * OW + ow] = avg_pool2d_one_f32(x, H, W, oh, ow, p);
}

}  // namespace tessera::kernels
