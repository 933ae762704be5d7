// AVX2 inner loops of the broadcasting binary ops: vector-vector and vector-scalar.
// The tail (n not a multiple of 8) goes through masked loads and stores.
#include <immintrin.h>

#include "kernels/elementwise.h"
#include "kernels/x86/vmath_f32__avx2.h"

namespace tessera::kernels {
using namespace avx2;

namespace {

template <BinaryOp kOp>
__m256 apply(__m256 a, __m256 b) {
  if constexpr (kOp == BinaryOp::add) return _mm256_add_ps(a, b);
  if constexpr (kOp == BinaryOp::mul) return _mm256_mul_ps(a, b);
  if constexpr (kOp == BinaryOp::add_relu) return _mm256_max_ps(_mm256_setzero_ps(), _mm256_add_ps(a, b));
}

template <BinaryOp kOp>
void vv(float* y, const float* a, const float* b, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 r0 = apply<kOp>(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    const __m256 r1 = apply<kOp>(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
    _mm256_storeu_ps(y + i, r0);
    _mm256_storeu_ps(y + i + 8, r1);
  }
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, apply<kOp>(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
  if (i < n) {
    const __m256i m = tail_mask(n - i);
    _mm256_maskstore_ps(y + i, m, apply<kOp>(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m)));
  }
}

template <BinaryOp kOp>
void vs(float* y, const float* a, float s, int64_t n) {
  const __m256 vs = _mm256_set1_ps(s);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 r0 = apply<kOp>(_mm256_loadu_ps(a + i), vs), r1 = apply<kOp>(_mm256_loadu_ps(a + i + 8), vs);
    _mm256_storeu_ps(y + i, r0);
    _mm256_storeu_ps(y + i + 8, r1);
  }
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, apply<kOp>(_mm256_loadu_ps(a + i), vs));
  if (i < n) {
    const __m256i m = tail_mask(n - i);
    _mm256_maskstore_ps(y + i, m, apply<kOp>(_mm256_maskload_ps(a + i, m), vs));
  }
}

}  // namespace

void binary_vv_f32__avx2(BinaryOp op, float* y, const float* a, const float* b, int64_t n) {
  switch (op) {
    case BinaryOp::add: return vv<BinaryOp::add>(y, a, b, n);
    case BinaryOp::mul: return vv<BinaryOp::mul>(y, a, b, n);
    case BinaryOp::add_relu: return vv<BinaryOp::add_relu>(y, a, b, n);
  }
}

void binary_vs_f32__avx2(BinaryOp op, float* y, const float* a, float s, int64_t n) {
  switch (op) {
    case BinaryOp::add: return vs<BinaryOp::add>(y, a, s, n);
    case BinaryOp::mul: return vs<BinaryOp::mul>(y, a, s, n);
    case BinaryOp::add_relu: return vs<BinaryOp::add_relu>(y, a, s, n);
  }
}

}  // namespace tessera::kernels
