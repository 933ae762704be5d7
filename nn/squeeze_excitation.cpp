#include "nn/squeeze_excitation.h"

#include "kernels/elementwise.h"
#include "kernels/pool.h"
#include "nn/check.h"

namespace tessera::nn {

SqueezeExcitation::SqueezeExcitation(int64_t in, int64_t squeeze, kernels::Activation activation,
                                     kernels::Activation scale_activation)
    : scale_activation_(scale_activation) {
  TESSERA_CHECK(activation == kernels::Activation::relu || activation == kernels::Activation::relu6,
                "SqueezeExcitation: activation must be relu or relu6, got ", kernels::activation_name(activation));
  activation_ = activation == kernels::Activation::relu ? kernels::FusedActivation::relu
                                                        : kernels::FusedActivation::relu6;
  fc1_ = register_module("fc1", std::make_shared<Conv2d>(in, squeeze, 1));
  fc2_ = register_module("fc2", std::make_shared<Conv2d>(squeeze, in, 1));
}

Tensor SqueezeExcitation::forward(const Tensor& x) {
  check_input(x, "SqueezeExcitation", 4, 1, fc1_->in_channels, "[N, C, H, W]");
  const Tensor in = x.contiguous();
  const int64_t N = in.size(0), C = in.size(1), H = in.size(2), W = in.size(3);
  Tensor pooled = Tensor::empty({N, C, 1, 1});
  kernels::adaptive_avg_pool2d_f32(pooled.data<float>(), in.data<float>(), N, C, H, W, 1, 1);
  Tensor scale = fc2_->forward(fc1_->forward_fused(pooled, nullptr, activation_));
  kernels::activation_f32(scale_activation_, scale.data<float>(), scale.data<float>(), scale.numel());
  Tensor y = Tensor::empty(in.shape());
  const int64_t y_shape[4] = {N, C, H, W}, s_shape[4] = {N, C, 1, 1};
  kernels::mul_f32(y.data<float>(), y_shape, 4, in.data<float>(), y_shape, 4, scale.data<float>(), s_shape, 4);
  return y;
}

}  // namespace tessera::nn
