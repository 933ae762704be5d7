// The spec of broadcasting binary ops, plus the scalar inner kernels of the ref path.
#include "kernels/elementwise.h"
#include "tensor/error.h"

namespace tessera::kernels {

static float apply(BinaryOp op, float a, float b) {
  switch (op) {
    case BinaryOp::add: return a + b;
    case BinaryOp::mul: return a * b;
    case BinaryOp::add_relu: {
      const float v = a + b;
      return v < 0.f ? 0.f : v;
    }
  }
  return 0.f;
}

void binary_f32_ref(BinaryOp op, float* y, const int64_t* y_shape, int y_ndim, const float* a,
                    const int64_t* a_shape, int a_ndim, const float* b, const int64_t* b_shape, int b_ndim) {
  const std::vector<int64_t> out = broadcast_shape(a_shape, a_ndim, b_shape, b_ndim);
  TESSERA_CHECK(out == std::vector<int64_t>(y_shape, y_shape + y_ndim), "binary_f32_ref: bad output shape");
  int64_t numel = 1;
  for (int64_t d : out) numel *= d;
  std::vector<int64_t> idx(y_ndim, 0);
  for (int64_t i = 0; i < numel; ++i) {
    // Offsets of this output element in a and b: size-1 dims pin the index to 0.
    int64_t ia = 0, ib = 0;
    for (int d = 0; d < y_ndim; ++d) {
      const int da = d - (y_ndim - a_ndim), db = d - (y_ndim - b_ndim);
      if (da >= 0) ia = ia * a_shape[da] + (a_shape[da] == 1 ? 0 : idx[d]);
      if (db >= 0) ib = ib * b_shape[db] + (b_shape[db] == 1 ? 0 : idx[d]);
    }
    y[i] = apply(op, a[ia], b[ib]);
    for (int d = y_ndim - 1; d >= 0 && ++idx[d] == y_shape[d]; --d) idx[d] = 0;
  }
}

void binary_vv_f32_ref(BinaryOp op, float* y, const float* a, const float* b, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = apply(op, a[i], b[i]);
}
void binary_vs_f32_ref(BinaryOp op, float* y, const float* a, float s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = apply(op, a[i], s);
}

}  // namespace tessera::kernels
