// VGG-11/13/16/19, plain and with BatchNorm, as torchvision defines them: "features" is one
// Sequential with torchvision's indices (conv, [bn,] relu, ..., maxpool), then
// avgpool = AdaptiveAvgPool2d(7) and "classifier" = Sequential(Linear, ReLU, Dropout,
// Linear, ReLU, Dropout, Linear). Each conv runs with its BN folded and its ReLU fused.
#pragma once
#include <memory>
#include <vector>

#include "nn/container.h"
#include "nn/fused_sequential.h"
#include "nn/pooling.h"

namespace tessera::models {

class VGG : public nn::Module {
 public:
  // cfg: torchvision's layer list, channels per conv and 0 for a max pool ("M").
  // hidden: the classifier's width (torchvision: 4096; smaller only for tests).
  VGG(const std::vector<int64_t>& cfg, bool batch_norm, int64_t num_classes = 1000, int64_t hidden = 4096);
  Tensor forward(const Tensor& x) override;  // [N, 3, H, W] (H, W >= 32) -> [N, num_classes]
  const char* type_name() const override { return "VGG"; }

 private:
  std::shared_ptr<nn::FusedSequential> features_;
  std::shared_ptr<nn::AdaptiveAvgPool2d> avgpool_;
  std::shared_ptr<nn::Sequential> classifier_;
};

// torchvision's cfgs "A" (VGG-11), "B" (13), "D" (16), "E" (19); 0 = max pool.
const std::vector<int64_t>& vgg_cfg(int depth);

std::shared_ptr<VGG> vgg11(int64_t num_classes = 1000);
std::shared_ptr<VGG> vgg13(int64_t num_classes = 1000);
std::shared_ptr<VGG> vgg16(int64_t num_classes = 1000);
std::shared_ptr<VGG> vgg19(int64_t num_classes = 1000);
std::shared_ptr<VGG> vgg11_bn(int64_t num_classes = 1000);
std::shared_ptr<VGG> vgg13_bn(int64_t num_classes = 1000);
std::shared_ptr<VGG> vgg16_bn(int64_t num_classes = 1000);
std::shared_ptr<VGG> vgg19_bn(int64_t num_classes = 1000);

}  // namespace tessera::models
