// The spec of the activations: torch's scalar formulas, in float, with std:: math.
#include <algorithm>
#include <cmath>

#include "kernels/activation.h"

namespace tessera::kernels {

template <typename Op>
static void map(float* y, const float* x, int64_t n, Op op) {
  for (int64_t i = 0; i < n; ++i) y[i] = op(x[i]);
}

// max/min written so a NaN input stays NaN, as torch's clamp does.
static float relu(float v) { return v < 0.f ? 0.f : v; }
static float clamp06(float v) { return v < 0.f ? 0.f : (v > 6.f ? 6.f : v); }

void activation_f32_ref(Activation act, float* y, const float* x, int64_t n) {
  switch (act) {
    case Activation::relu: return map(y, x, n, relu);
    case Activation::relu6: return map(y, x, n, clamp06);
    case Activation::gelu:
      return map(y, x, n, [](float v) { return 0.5f * v * (1.f + std::erf(v * float(M_SQRT1_2))); });
    case Activation::gelu_tanh:
      return map(y, x, n, [](float v) {
        const float beta = float(M_SQRT2 * M_2_SQRTPI * 0.5), kappa = 0.044715f;
        return 0.5f * v * (1.f + std::tanh(beta * (v + kappa * v * v * v)));
      });
    case Activation::silu: return map(y, x, n, [](float v) { return v / (1.f + std::exp(-v)); });
    case Activation::hardswish: return map(y, x, n, [](float v) { return v * clamp06(v + 3.f) / 6.f; });
    case Activation::hardsigmoid: return map(y, x, n, [](float v) { return clamp06(v + 3.f) / 6.f; });
    case Activation::sigmoid: return map(y, x, n, [](float v) { return 1.f / (1.f + std::exp(-v)); });
  }
}

}  // namespace tessera::kernels
