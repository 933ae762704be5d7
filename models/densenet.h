// DenseNet-121/161/169/201 (DenseNet-BC) as torchvision defines them, with its names
// (features.denseblock1.denselayer1.norm1.weight, features.transition1.conv.weight, ...).
//
// Inference without quadratic copying: a dense block allocates its full output
// [N, C0 + L * growth, H, W] once, and each layer reads the channel prefix written so far
// and appends its growth channels. The pre-activation order (BN -> ReLU -> conv) means a
// layer's norm1 cannot fold into a preceding conv: it runs as one per-channel affine with
// fused ReLU; norm2 does fold into conv1. A transition pools before its 1x1 conv (the two
// commute), doing a quarter of torchvision's conv work for the same result.
#pragma once
#include <array>
#include <memory>
#include <vector>

#include "nn/batchnorm.h"
#include "nn/conv.h"
#include "nn/linear.h"
#include "nn/pooling.h"

namespace tessera::models {

class DenseLayer : public nn::Module {
 public:
  DenseLayer(int64_t num_input_features, int64_t growth_rate, int64_t bn_size);
  // Reads channels [0, num_input_features) of block [N, C_block, H, W], writes its growth
  // channels right after them.
  void forward_into(Tensor& block);
  Tensor forward(const Tensor& x) override;  // torchvision's forward on one tensor: the new features
  const char* type_name() const override { return "_DenseLayer"; }

 private:
  Tensor bottleneck(const Tensor& block);  // conv1(relu(norm1(prefix))) with norm2 + relu2 fused
  int64_t num_input_features_;
  std::shared_ptr<nn::BatchNorm2d> norm1_, norm2_;
  std::shared_ptr<nn::Conv2d> conv1_, conv2_;
};

class DenseBlock : public nn::Module {
 public:
  DenseBlock(int64_t num_layers, int64_t num_input_features, int64_t bn_size, int64_t growth_rate);
  Tensor forward(const Tensor& x) override;  // [N, C0, H, W] -> [N, C0 + L * growth, H, W]
  const char* type_name() const override { return "_DenseBlock"; }

 private:
  int64_t num_input_features_, growth_rate_;
  std::vector<std::shared_ptr<DenseLayer>> layers_;
};

class Transition : public nn::Module {
 public:
  Transition(int64_t num_input_features, int64_t num_output_features);
  Tensor forward(const Tensor& x) override;  // pool(conv(relu(norm(x))))
  const char* type_name() const override { return "_Transition"; }

 private:
  std::shared_ptr<nn::BatchNorm2d> norm_;
  std::shared_ptr<nn::Conv2d> conv_;
  std::shared_ptr<nn::AvgPool2d> pool_;
};

// torchvision's "features": conv0, norm0, relu0, pool0, denseblock1, transition1, ...,
// denseblock4, norm5 (named children, not indices).
class DenseNetFeatures : public nn::Module {
 public:
  DenseNetFeatures(int64_t growth_rate, const std::array<int64_t, 4>& block_config, int64_t num_init_features,
                   int64_t bn_size);
  Tensor forward(const Tensor& x) override;  // ends with norm5 *and* the ReLU DenseNet applies after it
  const char* type_name() const override { return "Sequential"; }
  int64_t num_features() const { return norm5_->num_features; }

 private:
  std::shared_ptr<nn::Conv2d> conv0_;
  std::shared_ptr<nn::BatchNorm2d> norm0_, norm5_;
  std::shared_ptr<nn::MaxPool2d> pool0_;
  std::vector<std::shared_ptr<nn::Module>> stages_;  // blocks and transitions, in order
};

class DenseNet : public nn::Module {
 public:
  DenseNet(int64_t growth_rate, const std::array<int64_t, 4>& block_config, int64_t num_init_features,
           int64_t bn_size = 4, int64_t num_classes = 1000);
  Tensor forward(const Tensor& x) override;  // [N, 3, H, W] -> [N, num_classes]
  const char* type_name() const override { return "DenseNet"; }

 private:
  std::shared_ptr<DenseNetFeatures> features_;
  std::shared_ptr<nn::Linear> classifier_;
};

std::shared_ptr<DenseNet> densenet121(int64_t num_classes = 1000);
std::shared_ptr<DenseNet> densenet161(int64_t num_classes = 1000);
std::shared_ptr<DenseNet> densenet169(int64_t num_classes = 1000);
std::shared_ptr<DenseNet> densenet201(int64_t num_classes = 1000);

}  // namespace tessera::models
