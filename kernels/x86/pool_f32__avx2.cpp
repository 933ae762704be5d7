// AVX2 pooling: the AVX-512 file's design on 8 lanes. Output columns whose windows lie
// inside the row (the interior) go 8 per vector; the few border columns one at a time with
// the ref formula. Stride-1 windows load directly, stride 2 deinterleaves two loads, other
// strides gather. Masked-off lanes read nothing (maskload) and take `fill`.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/pool.h"
#include "kernels/x86/pool_window.h"
#include "kernels/x86/transpose_f32__avx2.h"
#include "kernels/x86/vmath_f32__avx2.h"

namespace tessera::kernels {
using namespace avx2;

namespace {

// Loads of base[i * stride] for lanes i < cnt (the others get `fill`), reading nothing past
// the last lane. The masks are worked out once per output vector, not once per tap.
class StridedLoad {
 public:
  StridedLoad(int64_t stride, int64_t cnt, __m256 fill)
      : stride_(stride), fill_(fill), m_(tail_mask(cnt)), lo_(tail_mask(2 * cnt - 1)), hi_(tail_mask(2 * cnt - 9)) {}
  __m256 operator()(const float* base) const {
    if (stride_ == 1) return _mm256_blendv_ps(fill_, _mm256_maskload_ps(base, m_), _mm256_castsi256_ps(m_));
    if (stride_ == 2) {
      const __m256 lo = _mm256_maskload_ps(base, lo_), hi = _mm256_maskload_ps(base + 8, hi_);
      // Even columns in lane order 0 1 4 5 2 3 6 7, then pairs put back in order.
      const __m256 even = _mm256_castpd_ps(_mm256_permute4x64_pd(
          _mm256_castps_pd(_mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0))), _MM_SHUFFLE(3, 1, 2, 0)));
      return _mm256_blendv_ps(fill_, even, _mm256_castsi256_ps(m_));
    }
    const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(int(stride_)));
    return _mm256_mask_i32gather_ps(fill_, base, idx, _mm256_castsi256_ps(m_), 4);
  }

 private:
  int64_t stride_;
  __m256 fill_;
  __m256i m_, lo_, hi_;
};

struct MaxOps {  // for window_max (kernels/x86/pool_window.h)
  using Vec = __m256;
  static __m256 max(__m256 v, __m256 b) { return _mm256_max_ps(v, b); }
  static __m256 keep_nan(__m256 n, __m256 v) { return _mm256_blendv_ps(n, v, _mm256_cmp_ps(v, v, _CMP_UNORD_Q)); }
  static __m256 pick_nan(__m256 m, __m256 n) { return _mm256_blendv_ps(m, n, _mm256_cmp_ps(n, n, _CMP_UNORD_Q)); }
};

void store(float* y, int64_t cnt, __m256 v) {
  if (cnt >= 8) _mm256_storeu_ps(y, v);
  else _mm256_maskstore_ps(y, tail_mask(cnt), v);
}

}  // namespace

void max_pool2d_plane_f32__avx2(float* y, int64_t* indices, const float* x, int64_t H, int64_t W, int64_t OH,
                                int64_t OW, const Pool2dParams& p) {
  if (indices) return max_pool2d_plane_f32_ref(y, indices, x, H, W, OH, OW, p);  // argmax: the scalar path
  int64_t lo, hi;
  pool_interior_columns(W, OW, p.sw, p.pw, (p.kw - 1) * p.dw + 1, lo, hi);
  const __m256 neg_inf = _mm256_set1_ps(-INFINITY);
  for (int64_t oh = 0; oh < OH; ++oh) {
    int64_t h0 = oh * p.sh - p.ph;
    const int64_t h1 = std::min(h0 + (p.kh - 1) * p.dh + 1, H);
    while (h0 < 0) h0 += p.dh;
    for (int64_t ow = lo; ow < hi; ow += 8) {
      const int64_t cnt = std::min<int64_t>(8, hi - ow);
      const StridedLoad load(p.sw, cnt, neg_inf);
      store(y + oh * OW + ow, cnt, window_max<MaxOps>(load, x + ow * p.sw - p.pw, W, h0, h1, p, neg_inf));
    }
    max_pool2d_border_f32(y, x, H, W, oh, OW, lo, hi, p);
  }
}

void avg_pool2d_plane_f32__avx2(float* y, const float* x, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                const Pool2dParams& p) {
  int64_t lo, hi;
  pool_interior_columns(W, OW, p.sw, p.pw, p.kw, lo, hi);
  const __m256 zero = _mm256_setzero_ps();
  // 2 x 2 windows at stride 2: each input row's 16 floats loaded once and split into even and
  // odd columns (see the AVX-512 file). The sums run in the lane order 0 1 4 5 2 3 6 7, put
  // back once at the end; taps are added in the same order, so the sums keep their bits.
  const bool two_by_two = p.kh == 2 && p.kw == 2 && p.sh == 2 && p.sw == 2;
  for (int64_t oh = 0; oh < OH; ++oh) {
    const auto [h0, h1, div] = avg_pool2d_row(H, oh, p);
    const __m256 vdiv = _mm256_set1_ps(float(div));
    for (int64_t ow = lo; ow < hi; ow += 8) {
      const int64_t cnt = std::min<int64_t>(8, hi - ow);
      if (two_by_two && cnt == 8 && h1 - h0 == 2) {
        __m256 sum = zero;
        for (int64_t h = h0; h < h1; ++h) {
          const float* row = x + h * W + 2 * ow - p.pw;
          const __m256 a = _mm256_loadu_ps(row), b = _mm256_loadu_ps(row + 8);
          sum = _mm256_add_ps(sum, _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)));
          sum = _mm256_add_ps(sum, _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
        }
        sum = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(sum), _MM_SHUFFLE(3, 1, 2, 0)));
        _mm256_storeu_ps(y + oh * OW + ow, _mm256_div_ps(sum, vdiv));
        continue;
      }
      const StridedLoad load(p.sw, cnt, zero);
      __m256 sum = zero;
      for (int64_t h = h0; h < h1; ++h)
        for (int64_t k = 0; k < p.kw; ++k) sum = _mm256_add_ps(sum, load(x + h * W + ow * p.sw - p.pw + k));
      store(y + oh * OW + ow, cnt, h0 < h1 ? _mm256_div_ps(sum, vdiv) : zero);
    }
    avg_pool2d_border_f32(y, x, H, W, oh, OW, lo, hi, p);
  }
}

void adaptive_avg_pool2d_plane_f32__avx2(float* y, const float* x, int64_t H, int64_t W, int64_t OH, int64_t OW) {
  for (int64_t oh = 0; oh < OH; ++oh) {
    const int64_t h0 = adaptive_begin(oh, H, OH), h1 = adaptive_end(oh, H, OH);
    for (int64_t ow = 0; ow < OW; ++ow) {
      const int64_t w0 = adaptive_begin(ow, W, OW), w1 = adaptive_end(ow, W, OW);
      // Full-width windows (global pooling) are one contiguous run.
      const bool full = w0 == 0 && w1 == W;
      const int64_t runs = full ? 1 : h1 - h0, len = full ? (h1 - h0) * W : w1 - w0;
      __m256 s0 = _mm256_setzero_ps(), s1 = s0;
      for (int64_t r = 0; r < runs; ++r) {
        const float* row = x + (h0 + r) * W + w0;
        int64_t i = 0;
        for (; i + 16 <= len; i += 16) {
          s0 = _mm256_add_ps(s0, _mm256_loadu_ps(row + i));
          s1 = _mm256_add_ps(s1, _mm256_loadu_ps(row + i + 8));
        }
        for (; i < len; i += 8) s0 = _mm256_add_ps(s0, _mm256_maskload_ps(row + i, tail_mask(len - i)));
      }
      y[oh * OW + ow] = hsum_f32(_mm256_add_ps(s0, s1)) / float((h1 - h0) * (w1 - w0));
    }
  }
}

// Global average pooling of `planes` planes of HW floats, 8 planes at a time (see the
// AVX-512 file).
void global_avg_pool_f32__avx2(float* y, const float* x, int64_t planes, int64_t HW) {
  auto plane_sum = [HW](const float* xp) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0;
    int64_t j = 0;
    for (; j + 16 <= HW; j += 16) {
      s0 = _mm256_add_ps(s0, _mm256_loadu_ps(xp + j));
      s1 = _mm256_add_ps(s1, _mm256_loadu_ps(xp + j + 8));
    }
    for (; j < HW; j += 8) s0 = _mm256_add_ps(s0, _mm256_maskload_ps(xp + j, tail_mask(HW - j)));
    return _mm256_add_ps(s0, s1);
  };
  const __m256 count = _mm256_set1_ps(float(HW));
  int64_t p = 0;
  for (; p + 8 <= planes; p += 8) {
    __m256 r[8];
    for (int i = 0; i < 8; ++i) r[i] = plane_sum(x + (p + i) * HW);
    transpose8_f32(r);
    for (int step = 4; step >= 1; step /= 2)
      for (int i = 0; i < step; ++i) r[i] = _mm256_add_ps(r[i], r[i + step]);
    _mm256_storeu_ps(y + p, _mm256_div_ps(r[0], count));
  }
  for (; p < planes; ++p) y[p] = hsum_f32(plane_sum(x + p * HW)) / float(HW);
}

}  // namespace tessera::kernels
