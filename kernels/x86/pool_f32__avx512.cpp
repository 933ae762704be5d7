// AVX-512 pooling: 16 output columns per vector over the columns whose windows lie inside
// the row (the interior); the few border columns go one at a time with the ref formula.
// Stride-1 windows load directly, stride 2 deinterleaves two loads, other strides gather.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/pool.h"
#include "kernels/x86/pool_window.h"
#include "kernels/x86/transpose_f32__avx512.h"

namespace tessera::kernels {
namespace {

__mmask16 lanes(int64_t n) { return n >= 16 ? __mmask16(0xffff) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1); }

// Loads of base[i * stride] for lanes i < cnt (the others get `fill`), reading nothing past
// the last lane. The masks are worked out once per output vector, not once per tap.
class StridedLoad {
 public:
  StridedLoad(int64_t stride, int64_t cnt, __m512 fill)
      : stride_(stride), fill_(fill), m_(lanes(cnt)), lo_(lanes(2 * cnt - 1)), hi_(lanes(2 * cnt - 17)) {}
  __m512 operator()(const float* base) const {
    if (stride_ == 1) return _mm512_mask_loadu_ps(fill_, m_, base);
    if (stride_ == 2) {
      const __m512 lo = _mm512_mask_loadu_ps(fill_, lo_, base), hi = _mm512_mask_loadu_ps(fill_, hi_, base + 16);
      const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
      return _mm512_mask_mov_ps(fill_, m_, _mm512_permutex2var_ps(lo, even, hi));
    }
    const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                           _mm512_set1_epi32(int(stride_)));
    return _mm512_mask_i32gather_ps(fill_, m_, idx, base, 4);
  }

 private:
  int64_t stride_;
  __m512 fill_;
  __mmask16 m_, lo_, hi_;
};

struct MaxOps {  // for window_max (kernels/x86/pool_window.h)
  using Vec = __m512;
  static __m512 max(__m512 v, __m512 b) { return _mm512_max_ps(v, b); }
  static __m512 keep_nan(__m512 n, __m512 v) { return _mm512_mask_mov_ps(n, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), v); }
  static __m512 pick_nan(__m512 m, __m512 n) { return _mm512_mask_mov_ps(m, _mm512_cmp_ps_mask(n, n, _CMP_UNORD_Q), n); }
};

}  // namespace

void max_pool2d_plane_f32__avx512(float* y, int64_t* indices, const float* x, int64_t H, int64_t W, int64_t OH,
                                  int64_t OW, const Pool2dParams& p) {
  if (indices) return max_pool2d_plane_f32_ref(y, indices, x, H, W, OH, OW, p);  // argmax: the scalar path
  int64_t lo, hi;
  pool_interior_columns(W, OW, p.sw, p.pw, (p.kw - 1) * p.dw + 1, lo, hi);
  const __m512 neg_inf = _mm512_set1_ps(-INFINITY);
  for (int64_t oh = 0; oh < OH; ++oh) {
    int64_t h0 = oh * p.sh - p.ph;
    const int64_t h1 = std::min(h0 + (p.kh - 1) * p.dh + 1, H);
    while (h0 < 0) h0 += p.dh;
    for (int64_t ow = lo; ow < hi; ow += 16) {
      const int64_t cnt = std::min<int64_t>(16, hi - ow);
      const StridedLoad load(p.sw, cnt, neg_inf);
      _mm512_mask_storeu_ps(y + oh * OW + ow, lanes(cnt),
                            window_max<MaxOps>(load, x + ow * p.sw - p.pw, W, h0, h1, p, neg_inf));
    }
    max_pool2d_border_f32(y, x, H, W, oh, OW, lo, hi, p);
  }
}

void avg_pool2d_plane_f32__avx512(float* y, const float* x, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                  const Pool2dParams& p) {
  int64_t lo, hi;
  pool_interior_columns(W, OW, p.sw, p.pw, p.kw, lo, hi);
  const __m512 zero = _mm512_setzero_ps();
  // 2 x 2 windows at stride 2 (DenseNet's transitions): each input row's 32 floats are loaded
  // once and split into even and odd columns, where the generic loop loaded them once per
  // tap. Taps are added in the same order, so the sums keep their bits.
  const bool two_by_two = p.kh == 2 && p.kw == 2 && p.sh == 2 && p.sw == 2;
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  for (int64_t oh = 0; oh < OH; ++oh) {
    const auto [h0, h1, div] = avg_pool2d_row(H, oh, p);
    const __m512 vdiv = _mm512_set1_ps(float(div));
    for (int64_t ow = lo; ow < hi; ow += 16) {
      const int64_t cnt = std::min<int64_t>(16, hi - ow);
      if (two_by_two && cnt == 16 && h1 - h0 == 2) {
        __m512 sum = zero;
        for (int64_t h = h0; h < h1; ++h) {
          const float* row = x + h * W + 2 * ow - p.pw;
          const __m512 a = _mm512_loadu_ps(row), b = _mm512_loadu_ps(row + 16);
          sum = _mm512_add_ps(sum, _mm512_permutex2var_ps(a, even, b));
          sum = _mm512_add_ps(sum, _mm512_permutex2var_ps(a, odd, b));
        }
        _mm512_storeu_ps(y + oh * OW + ow, _mm512_div_ps(sum, vdiv));
        continue;
      }
      const StridedLoad load(p.sw, cnt, zero);
      __m512 sum = zero;
      for (int64_t h = h0; h < h1; ++h)
        for (int64_t k = 0; k < p.kw; ++k) sum = _mm512_add_ps(sum, load(x + h * W + ow * p.sw - p.pw + k));
      _mm512_mask_storeu_ps(y + oh * OW + ow, lanes(cnt), h0 < h1 ? _mm512_div_ps(sum, vdiv) : zero);
    }
    avg_pool2d_border_f32(y, x, H, W, oh, OW, lo, hi, p);
  }
}

void adaptive_avg_pool2d_plane_f32__avx512(float* y, const float* x, int64_t H, int64_t W, int64_t OH, int64_t OW) {
  for (int64_t oh = 0; oh < OH; ++oh) {
    const int64_t h0 = adaptive_begin(oh, H, OH), h1 = adaptive_end(oh, H, OH);
    for (int64_t ow = 0; ow < OW; ++ow) {
      const int64_t w0 = adaptive_begin(ow, W, OW), w1 = adaptive_end(ow, W, OW);
      // Full-width windows (global pooling) are one contiguous run.
      const bool full = w0 == 0 && w1 == W;
      const int64_t runs = full ? 1 : h1 - h0, len = full ? (h1 - h0) * W : w1 - w0;
      __m512 s0 = _mm512_setzero_ps(), s1 = s0;
      for (int64_t r = 0; r < runs; ++r) {
        const float* row = x + (h0 + r) * W + w0;
        int64_t i = 0;
        for (; i + 32 <= len; i += 32) {
          s0 = _mm512_add_ps(s0, _mm512_loadu_ps(row + i));
          s1 = _mm512_add_ps(s1, _mm512_loadu_ps(row + i + 16));
        }
        for (; i < len; i += 16) s0 = _mm512_add_ps(s0, _mm512_maskz_loadu_ps(lanes(len - i), row + i));
      }
      y[oh * OW + ow] = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1)) / float((h1 - h0) * (w1 - w0));
    }
  }
}

// Global average pooling (adaptive, to 1 x 1) of `planes` planes of HW floats: 16 planes
// at a time, each summed into a vector, then the 16 vectors transposed so that adding them
// gives the 16 sums in one vector. Plane by plane, with a horizontal sum each, ResNet-50's
// 2048 x 7 x 7 ran at half the speed of oneDNN's NCHW kernel.
void global_avg_pool_f32__avx512(float* y, const float* x, int64_t planes, int64_t HW) {
  auto plane_sum = [HW](const float* xp) {
    __m512 s0 = _mm512_setzero_ps(), s1 = s0;  // two chains for large planes
    int64_t j = 0;
    for (; j + 32 <= HW; j += 32) {
      s0 = _mm512_add_ps(s0, _mm512_loadu_ps(xp + j));
      s1 = _mm512_add_ps(s1, _mm512_loadu_ps(xp + j + 16));
    }
    for (; j < HW; j += 16) s0 = _mm512_add_ps(s0, _mm512_maskz_loadu_ps(lanes(HW - j), xp + j));
    return _mm512_add_ps(s0, s1);
  };
  const __m512 count = _mm512_set1_ps(float(HW));
  int64_t p = 0;
  for (; p + 16 <= planes; p += 16) {
    __m512 r[16];
    for (int i = 0; i < 16; ++i) r[i] = plane_sum(x + (p + i) * HW);
    transpose16_f32(r);
    for (int step = 8; step >= 1; step /= 2)
      for (int i = 0; i < step; ++i) r[i] = _mm512_add_ps(r[i], r[i + step]);
    _mm512_storeu_ps(y + p, _mm512_div_ps(r[0], count));
  }
  for (; p < planes; ++p) y[p] = _mm512_reduce_add_ps(plane_sum(x + p * HW)) / float(HW);
}

}  // namespace tessera::kernels
