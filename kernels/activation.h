// Pointwise activations over n contiguous floats, as torch.nn.functional computes them:
//   relu         max(x, 0)                          relu6        min(max(x, 0), 6)
//   gelu         0.5 x (1 + erf(x / sqrt 2))        gelu_tanh    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
//   silu         x / (1 + exp(-x))                  sigmoid      1 / (1 + exp(-x))
//   hardswish    x min(max(x + 3, 0), 6) / 6        hardsigmoid  min(max(x + 3, 0), 6) / 6
// y may alias x (in place). Dropout and stochastic depth are the identity at inference, so
// they have no kernel: callers skip them.
//
// Paths: ref (kernels/ref/activation_f32.cpp, the spec), avx2, avx512 (kernels/x86/); the
// dispatcher splits n over threads. The fast paths use the polynomial exp/erfc of
// kernels/x86/vmath_f32__*.h: within a few ulp of std:: (bounds in tests/kernels/test_activation.cpp).
#pragma once
#include <cstdint>

namespace tessera::kernels {

enum class Activation { relu, relu6, gelu, gelu_tanh, silu, hardswish, hardsigmoid, sigmoid };

const char* activation_name(Activation act);  // "relu", "gelu_tanh", ...

// y[i] = act(x[i]) for i < n, on the active ISA path, over all threads.
void activation_f32(Activation act, float* y, const float* x, int64_t n);

inline void relu_f32(float* y, const float* x, int64_t n) { activation_f32(Activation::relu, y, x, n); }
inline void relu6_f32(float* y, const float* x, int64_t n) { activation_f32(Activation::relu6, y, x, n); }
inline void gelu_f32(float* y, const float* x, int64_t n) { activation_f32(Activation::gelu, y, x, n); }
inline void gelu_tanh_f32(float* y, const float* x, int64_t n) { activation_f32(Activation::gelu_tanh, y, x, n); }
inline void silu_f32(float* y, const float* x, int64_t n) { activation_f32(Activation::silu, y, x, n); }
inline void hardswish_f32(float* y, const float* x, int64_t n) { activation_f32(Activation::hardswish, y, x, n); }
inline void hardsigmoid_f32(float* y, const float* x, int64_t n) { activation_f32(Activation::hardsigmoid, y, x, n); }
inline void sigmoid_f32(float* y, const float* x, int64_t n) { activation_f32(Activation::sigmoid, y, x, n); }

// The single-threaded kernels behind the dispatcher (tests compare each path with ref).
void activation_f32_ref(Activation act, float* y, const float* x, int64_t n);
void activation_f32__avx2(Activation act, float* y, const float* x, int64_t n);
void activation_f32__avx512(Activation act, float* y, const float* x, int64_t n);

}  // namespace tessera::kernels
