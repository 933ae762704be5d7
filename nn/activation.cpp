#include "nn/activation.h"

namespace tessera::nn {

Tensor Activation::forward(const Tensor& x) {
  TESSERA_CHECK(x.defined() && x.dtype() == DType::f32, type_name(), ": expected a float32 input");
  const Tensor in = x.contiguous();
  Tensor y = Tensor::empty(in.shape());
  kernels::activation_f32(kind_, y.data<float>(), in.data<float>(), in.numel());
  return y;
}

}  // namespace tessera::nn
