// AVX-512 softmax rows: max pass, exp-and-sum pass (exp written to y), scale pass. Float
// accumulation in 16 lanes x 2 chains, so a row of a few thousand stays within ~1e-6.
#include <cmath>

#include "kernels/softmax.h"
#include "kernels/x86/vmath_f32__avx512.h"

namespace tessera::kernels {
using namespace avx512;

static __mmask16 lanes(int64_t left) { return left >= 16 ? __mmask16(0xffff) : tail_mask(left); }

static void softmax_row(float* y, const float* x, int64_t cols, bool log) {
  __m512 m0 = _mm512_set1_ps(-INFINITY), m1 = m0;
  int64_t j = 0;
  for (; j + 32 <= cols; j += 32) {
    m0 = _mm512_max_ps(m0, _mm512_loadu_ps(x + j));
    m1 = _mm512_max_ps(m1, _mm512_loadu_ps(x + j + 16));
  }
  for (; j < cols; j += 16) m0 = _mm512_mask_max_ps(m0, lanes(cols - j), m0, _mm512_maskz_loadu_ps(lanes(cols - j), x + j));
  const float mx = _mm512_reduce_max_ps(_mm512_max_ps(m0, m1));
  const __m512 vmx = _mm512_set1_ps(mx);

  __m512 s0 = _mm512_setzero_ps(), s1 = s0;
  for (j = 0; j + 32 <= cols; j += 32) {
    const __m512 e0 = exp_f32(_mm512_sub_ps(_mm512_loadu_ps(x + j), vmx));
    const __m512 e1 = exp_f32(_mm512_sub_ps(_mm512_loadu_ps(x + j + 16), vmx));
    s0 = _mm512_add_ps(s0, e0);
    s1 = _mm512_add_ps(s1, e1);
    if (!log) _mm512_storeu_ps(y + j, e0), _mm512_storeu_ps(y + j + 16, e1);
  }
  for (; j < cols; j += 16) {
    const __mmask16 m = lanes(cols - j);
    const __m512 e = _mm512_maskz_mov_ps(m, exp_f32(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + j), vmx)));
    s0 = _mm512_add_ps(s0, e);
    if (!log) _mm512_mask_storeu_ps(y + j, m, e);
  }
  const float sum = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));

  if (log) {  // y = (x - max) - log(sum)
    const __m512 shift = _mm512_set1_ps(std::log(sum));
    for (j = 0; j < cols; j += 16) {
      const __mmask16 m = lanes(cols - j);
      _mm512_mask_storeu_ps(y + j, m, _mm512_sub_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + j), vmx), shift));
    }
  } else {
    const __m512 inv = _mm512_set1_ps(1.f / sum);
    for (j = 0; j < cols; j += 16) {
      const __mmask16 m = lanes(cols - j);
      _mm512_mask_storeu_ps(y + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, y + j), inv));
    }
  }
}

void softmax_rows_f32__avx512(float* y, const float* x, int64_t rows, int64_t cols, bool log) {
  for (int64_t r = 0; r < rows; ++r) softmax_row(y + r * cols, x + r * cols, cols, log);
}

}  // namespace tessera::kernels
