// AVX2 activations: 8 lanes, masked tail; transcendental ops via vmath_f32__avx2.h.
#include "kernels/activation.h"
#include "kernels/x86/vmath_f32__avx2.h"

namespace tessera::kernels {
namespace {
using namespace avx2;

// op is a lambda, so that each activation is inlined into the loop: passed as a function
// pointer, gelu stayed a call per vector (AVX2 GELU 1.7x slower).
template <typename Op>
void map(float* y, const float* x, int64_t n, Op op) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {  // two vectors per trip: the exp chains overlap
    const __m256 a = op(_mm256_loadu_ps(x + i)), b = op(_mm256_loadu_ps(x + i + 8));
    _mm256_storeu_ps(y + i, a);
    _mm256_storeu_ps(y + i + 8, b);
  }
  for (; i < n; i += 8) {
    const __m256i m = tail_mask(n - i);  // all lanes when n - i >= 8
    _mm256_maskstore_ps(y + i, m, op(_mm256_maskload_ps(x + i, m)));
  }
}

// Operand order: _mm256_max_ps(a, b) returns b when either is NaN, so x goes second.
__m256 clamp06(__m256 v) {
  return _mm256_min_ps(_mm256_set1_ps(6.f), _mm256_max_ps(_mm256_setzero_ps(), v));
}

__m256 gelu(__m256 x) {
  // 1 + erf(z) = erfc(-z): erfc(|z|) for z < 0 and 2 - erfc(|z|) for z >= 0, both free of
  // the cancellation that 1 + erf has for large negative z.
  const __m256 z = _mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752f));
  const __m256 a = _mm256_andnot_ps(_mm256_set1_ps(-0.f), z);
  const __m256 e = erfc_nonneg_f32(a);
  const __m256 neg = _mm256_cmp_ps(z, _mm256_setzero_ps(), _CMP_LT_OQ);
  const __m256 one_plus_erf = _mm256_blendv_ps(_mm256_sub_ps(_mm256_set1_ps(2.f), e), e, neg);
  return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x), one_plus_erf);
}

__m256 gelu_tanh(__m256 x) {
  // 0.5 (1 + tanh(u)) = sigmoid(2u), exactly.
  const float beta = 0.79788456080286536f;  // sqrt(2 / pi)
  const __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
  const __m256 u = _mm256_mul_ps(_mm256_set1_ps(beta), _mm256_fmadd_ps(_mm256_set1_ps(0.044715f), x3, x));
  return _mm256_mul_ps(x, sigmoid_f32(_mm256_add_ps(u, u)));
}

}  // namespace

void activation_f32__avx2(Activation act, float* y, const float* x, int64_t n) {
  const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.f), three = _mm256_set1_ps(3.f),
               six = _mm256_set1_ps(6.f);
  switch (act) {
    case Activation::relu: return map(y, x, n, [=](__m256 v) { return _mm256_max_ps(zero, v); });
    case Activation::relu6: return map(y, x, n, [](__m256 v) { return clamp06(v); });
    case Activation::gelu: return map(y, x, n, [](__m256 v) { return gelu(v); });
    case Activation::gelu_tanh: return map(y, x, n, [](__m256 v) { return gelu_tanh(v); });
    case Activation::silu:
      return map(y, x, n, [=](__m256 v) {
        return _mm256_div_ps(v, _mm256_add_ps(one, exp_f32(_mm256_sub_ps(zero, v))));
      });
    case Activation::hardswish:
      return map(y, x, n, [=](__m256 v) {
        return _mm256_div_ps(_mm256_mul_ps(v, clamp06(_mm256_add_ps(v, three))), six);
      });
    case Activation::hardsigmoid:
      return map(y, x, n, [=](__m256 v) { return _mm256_div_ps(clamp06(_mm256_add_ps(v, three)), six); });
    case Activation::sigmoid: return map(y, x, n, [](__m256 v) { return avx2::sigmoid_f32(v); });
  }
}

}  // namespace tessera::kernels
