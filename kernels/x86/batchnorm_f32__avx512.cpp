// AVX-512 per-channel affine (+ ReLU) over one plane: the BN-inference inner loop.
#include <immintrin.h>

#include "kernels/batchnorm.h"

namespace tessera::kernels {

template <bool kRelu>
static void affine_plane(float* y, const float* x, float scale, float shift, int64_t n) {
  const __m512 s = _mm512_set1_ps(scale), t = _mm512_set1_ps(shift), zero = _mm512_setzero_ps();
  auto op = [&](__m512 v) {
    v = _mm512_fmadd_ps(v, s, t);
    return kRelu ? _mm512_max_ps(zero, v) : v;
  };
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 a = op(_mm512_loadu_ps(x + i)), b = op(_mm512_loadu_ps(x + i + 16));
    _mm512_storeu_ps(y + i, a);
    _mm512_storeu_ps(y + i + 16, b);
  }
  for (; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(y + i, m, op(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

void affine_plane_f32__avx512(float* y, const float* x, float scale, float shift, int64_t n, bool relu) {
  relu ? affine_plane<true>(y, x, scale, shift, n) : affine_plane<false>(y, x, scale, shift, n);
}

}  // namespace tessera::kernels
