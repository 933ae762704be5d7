// AVX-512 inner loops of the broadcasting binary ops: vector-vector and vector-scalar.
#include <immintrin.h>

#include "kernels/elementwise.h"

namespace tessera::kernels {
namespace {

template <BinaryOp kOp>
__m512 apply(__m512 a, __m512 b) {
  if constexpr (kOp == BinaryOp::add) return _mm512_add_ps(a, b);
  if constexpr (kOp == BinaryOp::mul) return _mm512_mul_ps(a, b);
  if constexpr (kOp == BinaryOp::add_relu) return _mm512_max_ps(_mm512_setzero_ps(), _mm512_add_ps(a, b));
}

__mmask16 lanes(int64_t left) { return left >= 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1); }

template <BinaryOp kOp>
void vv(float* y, const float* a, const float* b, int64_t n) {
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 r0 = apply<kOp>(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    const __m512 r1 = apply<kOp>(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
    _mm512_storeu_ps(y + i, r0);
    _mm512_storeu_ps(y + i + 16, r1);
  }
  for (; i < n; i += 16) {
    const __mmask16 m = lanes(n - i);
    _mm512_mask_storeu_ps(y + i, m, apply<kOp>(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i)));
  }
}

template <BinaryOp kOp>
void vs(float* y, const float* a, float s, int64_t n) {
  const __m512 vs = _mm512_set1_ps(s);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 r0 = apply<kOp>(_mm512_loadu_ps(a + i), vs), r1 = apply<kOp>(_mm512_loadu_ps(a + i + 16), vs);
    _mm512_storeu_ps(y + i, r0);
    _mm512_storeu_ps(y + i + 16, r1);
  }
  for (; i < n; i += 16) {
    const __mmask16 m = lanes(n - i);
    _mm512_mask_storeu_ps(y + i, m, apply<kOp>(_mm512_maskz_loadu_ps(m, a + i), vs));
  }
}

}  // namespace

void binary_vv_f32__avx512(BinaryOp op, float* y, const float* a, const float* b, int64_t n) {
  switch (op) {
    case BinaryOp::add: return vv<BinaryOp::add>(y, a, b, n);
    case BinaryOp::mul: return vv<BinaryOp::mul>(y, a, b, n);
    case BinaryOp::add_relu: return vv<BinaryOp::add_relu>(y, a, b, n);
  }
}

void binary_vs_f32__avx512(BinaryOp op, float* y, const float* a, float s, int64_t n) {
  switch (op) {
    case BinaryOp::add: return vs<BinaryOp::add>(y, a, s, n);
    case BinaryOp::mul: return vs<BinaryOp::mul>(y, a, s, n);
    case BinaryOp::add_relu: return vs<BinaryOp::add_relu>(y, a, s, n);
  }
}

}  // namespace tessera::kernels
