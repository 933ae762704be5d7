#include "nn/layernorm.h"

#include "kernels/layernorm.h"
#include "nn/check.h"

namespace tessera::nn {

LayerNorm::LayerNorm(int64_t c, float eps_, bool affine) : normalized_shape(c), eps(eps_) {
  TESSERA_CHECK(c > 0, "LayerNorm: normalized_shape must be positive, got ", c);
  if (affine) {
    weight = &register_parameter("weight", Tensor::ones({c}));
    bias = &register_parameter("bias", Tensor::zeros({c}));
  }
}

Tensor LayerNorm::forward(const Tensor& x) {
  TESSERA_CHECK(x.defined() && x.dtype() == DType::f32 && x.dim() >= 1 && x.size(-1) == normalized_shape,
                "LayerNorm: expected input [..., ", normalized_shape, "], got ",
                x.defined() ? shape_str(x.shape()) : std::string("undefined"));
  const Tensor in = x.contiguous();
  Tensor y = Tensor::empty(in.shape());
  kernels::layernorm_f32(y.data<float>(), nullptr, nullptr, in.data<float>(), weight ? weight->data<float>() : nullptr,
                         bias ? bias->data<float>() : nullptr, in.numel() / normalized_shape, normalized_shape, eps);
  return y;
}

LayerNorm2d::LayerNorm2d(int64_t c, float eps_)
    : num_channels(c),
      eps(eps_),
      weight(register_parameter("weight", Tensor::ones({c}))),
      bias(register_parameter("bias", Tensor::zeros({c}))) {}

Tensor LayerNorm2d::forward(const Tensor& x) {
  check_input(x, "LayerNorm2d", 4, 1, num_channels, "[N, C, H, W]");
  const Tensor in = x.contiguous();
  Tensor y = Tensor::empty(in.shape());
  kernels::layernorm2d_f32(y.data<float>(), nullptr, nullptr, in.data<float>(), weight.data<float>(),
                           bias.data<float>(), in.size(0), num_channels, in.size(2) * in.size(3), eps);
  return y;
}

}  // namespace tessera::nn
