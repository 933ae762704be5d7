// Binary elementwise ops with numpy / PyTorch broadcasting: shapes are aligned on the right
// and each input dim must be 1 or equal to the output's, which must be exactly the broadcast
// of the two (as torch's out= requires). All arrays contiguous.
//   add       y = a + b
//   mul       y = a * b
//   add_relu  y = max(a + b, 0)          (ResNet's residual: out += identity; relu(out))
// The driver drops size-1 dims, merges dims that stay contiguous, and runs the innermost run
// through a vector-vector kernel (same shapes) or a vector-scalar one (a per-channel scale,
// a bias, a row broadcast); y may alias a or b when it has their shape.
#pragma once
#include <cstdint>
#include <vector>

namespace tessera::kernels {

enum class BinaryOp { add, mul, add_relu };

constexpr int kMaxBroadcastDims = 8;

// The broadcast of two shapes; throws naming both when they do not broadcast.
std::vector<int64_t> broadcast_shape(const int64_t* a_shape, int a_ndim, const int64_t* b_shape, int b_ndim);

void binary_f32(BinaryOp op, float* y, const int64_t* y_shape, int y_ndim, const float* a,
                const int64_t* a_shape, int a_ndim, const float* b, const int64_t* b_shape, int b_ndim);

inline void add_f32(float* y, const int64_t* y_shape, int y_ndim, const float* a, const int64_t* a_shape,
                    int a_ndim, const float* b, const int64_t* b_shape, int b_ndim) {
  binary_f32(BinaryOp::add, y, y_shape, y_ndim, a, a_shape, a_ndim, b, b_shape, b_ndim);
}
inline void mul_f32(float* y, const int64_t* y_shape, int y_ndim, const float* a, const int64_t* a_shape,
                    int a_ndim, const float* b, const int64_t* b_shape, int b_ndim) {
  binary_f32(BinaryOp::mul, y, y_shape, y_ndim, a, a_shape, a_ndim, b, b_shape, b_ndim);
}

// Same shapes, n elements: the fast path without shape bookkeeping.
void binary_same_f32(BinaryOp op, float* y, const float* a, const float* b, int64_t n);
inline void add_relu_f32(float* y, const float* a, const float* b, int64_t n) {
  binary_same_f32(BinaryOp::add_relu, y, a, b, n);
}

// ConvNeXt's layer scale: y[n, c, p] = x[n, c, p] * gamma[c] over NCHW (HW = H * W).
void layer_scale_f32(float* y, const float* x, const float* gamma, int64_t N, int64_t C, int64_t HW);

// The spec: one loop over output elements, each input indexed through its broadcast strides.
void binary_f32_ref(BinaryOp op, float* y, const int64_t* y_shape, int y_ndim, const float* a,
                    const int64_t* a_shape, int a_ndim, const float* b, const int64_t* b_shape, int b_ndim);

// Per-ISA inner kernels: y[i] = a[i] op b[i], and y[i] = a[i] op s.
void binary_vv_f32_ref(BinaryOp op, float* y, const float* a, const float* b, int64_t n);
void binary_vs_f32_ref(BinaryOp op, float* y, const float* a, float s, int64_t n);
void binary_vv_f32__avx2(BinaryOp op, float* y, const float* a, const float* b, int64_t n);
void binary_vs_f32__avx2(BinaryOp op, float* y, const float* a, float s, int64_t n);
void binary_vv_f32__avx512(BinaryOp op, float* y, const float* a, const float* b, int64_t n);
void binary_vs_f32__avx512(BinaryOp op, float* y, const float* a, float s, int64_t n);

}  // namespace tessera::kernels
