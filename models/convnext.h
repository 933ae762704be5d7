// ConvNeXt as torchvision 0.14 defines it, with torchvision's module and parameter names:
// features.0 (stem: Conv2d 4x4/4 + LayerNorm2d), then per stage a Sequential of CNBlocks
// (block.{0: depthwise 7x7, 2: LayerNorm, 3: Linear, 5: Linear}, layer_scale) and a
// downsampling Sequential(LayerNorm2d, Conv2d 2x2/2); classifier.{0: LayerNorm2d, 2: Linear}.
// Stochastic depth is the identity at inference.
#pragma once
#include <memory>
#include <vector>

#include "nn/container.h"
#include "nn/module.h"

namespace tessera::models {

// torchvision's CNBlockConfig; out_channels 0 stands for None (the last stage: no downsampling).
struct CNBlockConfig {
  int64_t input_channels, out_channels, num_layers;
};

struct ConvNeXtConfig {
  std::vector<CNBlockConfig> block_setting;
  float layer_scale = 1e-6f;  // the initial value of every layer_scale (weights overwrite it)
  int64_t num_classes = 1000;
  float norm_eps = 1e-6f;
};

class CNBlock : public nn::Module {
 public:
  CNBlock(int64_t dim, float layer_scale, float norm_eps);
  Tensor forward(const Tensor& x) override;  // x + layer_scale * block(x), NCHW
  const char* type_name() const override { return "CNBlock"; }

  Tensor& layer_scale;  // [dim, 1, 1]

 private:
  std::shared_ptr<nn::Sequential> block_;
};

class ConvNeXt : public nn::Module {
 public:
  explicit ConvNeXt(const ConvNeXtConfig& config);
  Tensor forward(const Tensor& x) override;  // [N, 3, H, W] -> [N, num_classes]
  const char* type_name() const override { return "ConvNeXt"; }

 private:
  std::shared_ptr<nn::Sequential> features_, classifier_;
};

std::shared_ptr<ConvNeXt> convnext_tiny(int64_t num_classes = 1000);
std::shared_ptr<ConvNeXt> convnext_small(int64_t num_classes = 1000);
std::shared_ptr<ConvNeXt> convnext_base(int64_t num_classes = 1000);

}  // namespace tessera::models
