// LayerNorm (torch.nn.LayerNorm over the last dim) and LayerNorm2d (torchvision's
// ConvNeXt LayerNorm2d: the same normalisation over C of an NCHW tensor, which
// torchvision writes as permute -> layer_norm -> permute). Parameters weight, bias.
#pragma once
#include "nn/module.h"

namespace tessera::nn {

class LayerNorm : public Module {
 public:
  explicit LayerNorm(int64_t normalized_shape, float eps = 1e-5f, bool elementwise_affine = true);
  Tensor forward(const Tensor& x) override;  // [..., C] -> [..., C]
  const char* type_name() const override { return "LayerNorm"; }

  int64_t normalized_shape;
  float eps;
  Tensor* weight = nullptr;  // null when elementwise_affine=False
  Tensor* bias = nullptr;
};

class LayerNorm2d : public Module {
 public:
  explicit LayerNorm2d(int64_t num_channels, float eps = 1e-6f);
  Tensor forward(const Tensor& x) override;  // [N, C, H, W] -> [N, C, H, W]
  const char* type_name() const override { return "LayerNorm2d"; }

  int64_t num_channels;
  float eps;
  Tensor& weight;
  Tensor& bias;
};

}  // namespace tessera::nn
