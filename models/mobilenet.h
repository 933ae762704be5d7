// MobileNetV2 and MobileNetV3 (Large, Small) as torchvision defines them, with its module
// and parameter names (features.1.conv.0.0.weight, features.4.block.2.fc1.weight, ...)
// and its _make_divisible channel rounding. Every conv's BatchNorm is folded into it and
// ReLU/ReLU6 fused; Hardswish runs in place on the conv output.
#pragma once
#include <memory>
#include <vector>

#include "nn/container.h"
#include "nn/fused_sequential.h"
#include "nn/linear.h"

namespace tessera::models {

// torchvision's _make_divisible: v rounded to the nearest multiple of divisor (at least
// divisor), never more than 10% below v.
int64_t make_divisible(double v, int64_t divisor);

// MobileNetV2's block: "conv" = [expand 1x1 CNA (if t != 1), depthwise 3x3 CNA, 1x1 Conv2d, BN].
class InvertedResidualV2 : public nn::Module {
 public:
  InvertedResidualV2(int64_t inp, int64_t oup, int64_t stride, int64_t expand_ratio);
  Tensor forward(const Tensor& x) override;
  const char* type_name() const override { return "InvertedResidual"; }

 private:
  std::shared_ptr<nn::FusedSequential> conv_;
  bool use_res_connect_;
};

class MobileNetV2 : public nn::Module {
 public:
  explicit MobileNetV2(int64_t num_classes = 1000, double width_mult = 1.0);
  Tensor forward(const Tensor& x) override;  // [N, 3, H, W] -> [N, num_classes]
  const char* type_name() const override { return "MobileNetV2"; }

 private:
  std::shared_ptr<nn::Sequential> features_, classifier_;
};

// One row of torchvision's InvertedResidualConfig (channels already width-adjusted).
struct InvertedResidualConfig {
  int64_t input_channels, kernel, expanded_channels, out_channels;
  bool use_se, use_hardswish;
  int64_t stride;
};

// MobileNetV3's block: "block" = [expand CNA (if expanded != input), depthwise CNA,
// SqueezeExcitation (if use_se), project CNA without activation].
class InvertedResidualV3 : public nn::Module {
 public:
  explicit InvertedResidualV3(const InvertedResidualConfig& cnf);
  Tensor forward(const Tensor& x) override;
  const char* type_name() const override { return "InvertedResidual"; }

 private:
  std::shared_ptr<nn::FusedSequential> block_;
  bool use_res_connect_;
};

class MobileNetV3 : public nn::Module {
 public:
  MobileNetV3(const std::vector<InvertedResidualConfig>& setting, int64_t last_channel, int64_t num_classes = 1000);
  Tensor forward(const Tensor& x) override;  // [N, 3, H, W] -> [N, num_classes]
  const char* type_name() const override { return "MobileNetV3"; }

 private:
  std::shared_ptr<nn::Sequential> features_, classifier_;
};

std::shared_ptr<MobileNetV2> mobilenet_v2(int64_t num_classes = 1000);
std::shared_ptr<MobileNetV3> mobilenet_v3_large(int64_t num_classes = 1000);
std::shared_ptr<MobileNetV3> mobilenet_v3_small(int64_t num_classes = 1000);

}  // namespace tessera::models
