// SqueezeExcitation as torchvision.ops.SqueezeExcitation (names avgpool, fc1, fc2):
// y = x * scale_activation(fc2(activation(fc1(avgpool(x))))), fc1/fc2 being 1x1 convs
// with bias. MobileNetV3 uses ReLU and Hardsigmoid; the default scale is Sigmoid.
#pragma once
#include "kernels/activation.h"
#include "nn/conv.h"

namespace tessera::nn {

class SqueezeExcitation : public Module {
 public:
  // activation: relu or relu6 (fused into fc1); scale_activation: any.
  SqueezeExcitation(int64_t input_channels, int64_t squeeze_channels,
                    kernels::Activation activation = kernels::Activation::relu,
                    kernels::Activation scale_activation = kernels::Activation::sigmoid);
  Tensor forward(const Tensor& x) override;
  const char* type_name() const override { return "SqueezeExcitation"; }

 private:
  std::shared_ptr<Conv2d> fc1_, fc2_;
  kernels::FusedActivation activation_;
  kernels::Activation scale_activation_;
};

}  // namespace tessera::nn
