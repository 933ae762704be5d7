// GoogLeNet (Inception v1) as torchvision defines it, inference graph only: no auxiliary
// heads (torchvision's aux_logits=False, what it leaves after loading its pretrained
// weights). Names as torchvision's (inception3a.branch2.1.conv.weight, ...). Each
// BasicConv2d (conv without bias -> BN eps 1e-3 -> ReLU) runs as one fused conv.
#pragma once
#include <memory>

#include "nn/batchnorm.h"
#include "nn/container.h"
#include "nn/conv.h"
#include "nn/linear.h"
#include "nn/pooling.h"

namespace tessera::models {

class BasicConv2d : public nn::Module {
 public:
  BasicConv2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride = 1, int64_t padding = 0);
  Tensor forward(const Tensor& x) override;
  const char* type_name() const override { return "BasicConv2d"; }
  int64_t out_channels() const { return conv_->out_channels; }

 private:
  std::shared_ptr<nn::Conv2d> conv_;
  std::shared_ptr<nn::BatchNorm2d> bn_;
};

// Four branches concatenated along channels: 1x1; 1x1 -> 3x3; 1x1 -> "5x5" (a 3x3, as in
// torchvision, which keeps that known quirk for its weights); 3x3 max pool -> 1x1.
class Inception : public nn::Module {
 public:
  Inception(int64_t in_channels, int64_t ch1x1, int64_t ch3x3red, int64_t ch3x3, int64_t ch5x5red, int64_t ch5x5,
            int64_t pool_proj);
  Tensor forward(const Tensor& x) override;
  const char* type_name() const override { return "Inception"; }

 private:
  int64_t in_channels_;
  std::shared_ptr<BasicConv2d> branch1_;
  std::shared_ptr<nn::Sequential> branch2_, branch3_, branch4_;
};

class GoogLeNet : public nn::Module {
 public:
  // transform_input: re-normalise ImageNet-normalised input to the [-1, 1] scaling the
  // pretrained weights were trained on (torchvision turns it on with those weights).
  explicit GoogLeNet(int64_t num_classes = 1000, bool transform_input = false);
  Tensor forward(const Tensor& x) override;  // [N, 3, H, W] -> [N, num_classes]
  const char* type_name() const override { return "GoogLeNet"; }
  bool transform_input;

 private:
  std::shared_ptr<BasicConv2d> conv1_, conv2_, conv3_;
  std::shared_ptr<nn::MaxPool2d> maxpool1_, maxpool2_, maxpool3_, maxpool4_;
  std::shared_ptr<Inception> inception3a_, inception3b_, inception4a_, inception4b_, inception4c_, inception4d_,
      inception4e_, inception5a_, inception5b_;
  std::shared_ptr<nn::Linear> fc_;
};

// As torchvision.models.googlenet(weights=IMAGENET1K_V1) builds it: transform_input on.
std::shared_ptr<GoogLeNet> googlenet(int64_t num_classes = 1000, bool transform_input = true);

}  // namespace tessera::models
