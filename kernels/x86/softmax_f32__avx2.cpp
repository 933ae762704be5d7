// AVX2 softmax rows: the AVX-512 file's three passes on 8 lanes (max; exp written to y and
// summed; scale), float accumulation in 8 lanes x 2 chains. Row tails use masked loads
// and stores.
#include <cmath>

#include "kernels/softmax.h"
#include "kernels/x86/vmath_f32__avx2.h"

namespace tessera::kernels {
using namespace avx2;

namespace {

void softmax_row(float* y, const float* x, int64_t cols, bool log) {
  const __m256 neg_inf = _mm256_set1_ps(-INFINITY);
  __m256 m0 = neg_inf, m1 = m0;
  int64_t j = 0;
  for (; j + 16 <= cols; j += 16) {
    m0 = _mm256_max_ps(m0, _mm256_loadu_ps(x + j));
    m1 = _mm256_max_ps(m1, _mm256_loadu_ps(x + j + 8));
  }
  for (; j < cols; j += 8) {
    const __m256i m = tail_mask(cols - j);
    m0 = _mm256_max_ps(m0, _mm256_blendv_ps(neg_inf, _mm256_maskload_ps(x + j, m), _mm256_castsi256_ps(m)));
  }
  const __m256 vmx = _mm256_set1_ps(hmax_f32(_mm256_max_ps(m0, m1)));

  __m256 s0 = _mm256_setzero_ps(), s1 = s0;
  for (j = 0; j + 16 <= cols; j += 16) {
    const __m256 e0 = exp_f32(_mm256_sub_ps(_mm256_loadu_ps(x + j), vmx));
    const __m256 e1 = exp_f32(_mm256_sub_ps(_mm256_loadu_ps(x + j + 8), vmx));
    s0 = _mm256_add_ps(s0, e0);
    s1 = _mm256_add_ps(s1, e1);
    if (!log) _mm256_storeu_ps(y + j, e0), _mm256_storeu_ps(y + j + 8, e1);
  }
  for (; j < cols; j += 8) {
    const __m256i m = tail_mask(cols - j);
    const __m256 e =
        _mm256_and_ps(exp_f32(_mm256_sub_ps(_mm256_maskload_ps(x + j, m), vmx)), _mm256_castsi256_ps(m));
    s0 = _mm256_add_ps(s0, e);
    if (!log) _mm256_maskstore_ps(y + j, m, e);
  }
  const float sum = hsum_f32(_mm256_add_ps(s0, s1));

  if (log) {  // y = (x - max) - log(sum)
    const __m256 shift = _mm256_set1_ps(std::log(sum));
    for (j = 0; j < cols; j += 8) {
      const __m256i m = tail_mask(cols - j);
      _mm256_maskstore_ps(y + j, m, _mm256_sub_ps(_mm256_sub_ps(_mm256_maskload_ps(x + j, m), vmx), shift));
    }
  } else {
    const __m256 inv = _mm256_set1_ps(1.f / sum);
    for (j = 0; j < cols; j += 8) {
      const __m256i m = tail_mask(cols - j);
      _mm256_maskstore_ps(y + j, m, _mm256_mul_ps(_mm256_maskload_ps(y + j, m), inv));
    }
  }
}

}  // namespace

void softmax_rows_f32__avx2(float* y, const float* x, int64_t rows, int64_t cols, bool log) {
  for (int64_t r = 0; r < rows; ++r) softmax_row(y + r * cols, x + r * cols, cols, log);
}

}  // namespace tessera::kernels
