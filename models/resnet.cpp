#include "models/resnet.h"

#include "kernels/elementwise.h"
#include "models/families.h"
#include "nn/activation.h"

namespace tessera::models {

using kernels::FusedActivation;
using nn::BatchNorm2d;
using nn::Conv2d;
using nn::Conv2dOptions;

namespace {

std::shared_ptr<Conv2d> conv3x3(int64_t in, int64_t out, int64_t stride) {
  return std::make_shared<Conv2d>(in, out, 3, Conv2dOptions{stride, 1, 1, 1, false});
}
std::shared_ptr<Conv2d> conv1x1(int64_t in, int64_t out, int64_t stride) {
  return std::make_shared<Conv2d>(in, out, 1, Conv2dOptions{stride, 0, 1, 1, false});
}

// out = relu(out + identity), the residual join.
Tensor add_relu(const Tensor& out, const Tensor& identity) {
  check_same_shape(out, identity, "residual add");
  Tensor y = Tensor::empty(out.shape());
  kernels::add_relu_f32(y.data<float>(), out.data<float>(), identity.data<float>(), out.numel());
  return y;
}

// downsample = Sequential(conv1x1, BatchNorm2d), run as one fused conv.
Tensor run_downsample(nn::Sequential& ds, const Tensor& x) {
  return ds.at<Conv2d>(0).forward_fused(x, &ds.at<BatchNorm2d>(1), FusedActivation::none);
}

}  // namespace

// Children are registered in torchvision's order (its stateless relu aside), which is
// the order state_dict lists them in.
BasicBlock::BasicBlock(int64_t inplanes, int64_t planes, int64_t stride, std::shared_ptr<nn::Sequential> downsample) {
  conv1_ = register_module("conv1", conv3x3(inplanes, planes, stride));
  bn1_ = register_module("bn1", std::make_shared<BatchNorm2d>(planes));
  conv2_ = register_module("conv2", conv3x3(planes, planes, 1));
  bn2_ = register_module("bn2", std::make_shared<BatchNorm2d>(planes));
  if (downsample) downsample_ = register_module("downsample", std::move(downsample));
}

Tensor BasicBlock::forward(const Tensor& x) {
  Tensor out = conv1_->forward_fused(x, bn1_.get(), FusedActivation::relu);
  out = conv2_->forward_fused(out, bn2_.get(), FusedActivation::none);
  return add_relu(out, downsample_ ? run_downsample(*downsample_, x) : x.contiguous());
}

Bottleneck::Bottleneck(int64_t inplanes, int64_t planes, int64_t stride, std::shared_ptr<nn::Sequential> downsample) {
  conv1_ = register_module("conv1", conv1x1(inplanes, planes, 1));
  bn1_ = register_module("bn1", std::make_shared<BatchNorm2d>(planes));
  conv2_ = register_module("conv2", conv3x3(planes, planes, stride));  // v1.5: stride on the 3x3
  bn2_ = register_module("bn2", std::make_shared<BatchNorm2d>(planes));
  conv3_ = register_module("conv3", conv1x1(planes, planes * expansion, 1));
  bn3_ = register_module("bn3", std::make_shared<BatchNorm2d>(planes * expansion));
  if (downsample) downsample_ = register_module("downsample", std::move(downsample));
}

Tensor Bottleneck::forward(const Tensor& x) {
  Tensor out = conv1_->forward_fused(x, bn1_.get(), FusedActivation::relu);
  out = conv2_->forward_fused(out, bn2_.get(), FusedActivation::relu);
  out = conv3_->forward_fused(out, bn3_.get(), FusedActivation::none);
  return add_relu(out, downsample_ ? run_downsample(*downsample_, x) : x.contiguous());
}

ResNet::ResNet(bool bottleneck, std::vector<int64_t> layers, int64_t num_classes) {
  TESSERA_CHECK(layers.size() == 4, "ResNet: expected 4 stage depths, got ", layers.size());
  TESSERA_CHECK(num_classes > 0, "ResNet: num_classes must be positive, got ", num_classes);
  conv1_ = register_module("conv1", std::make_shared<Conv2d>(3, 64, 7, Conv2dOptions{2, 3, 1, 1, false}));
  bn1_ = register_module("bn1", std::make_shared<BatchNorm2d>(64));
  maxpool_ = std::make_shared<nn::MaxPool2d>(3, 2, 1);
  const int64_t planes[4] = {64, 128, 256, 512};
  for (int i = 0; i < 4; ++i)
    layers_[i] = register_module("layer" + std::to_string(i + 1),
                                 make_layer(bottleneck, planes[i], layers[i], i == 0 ? 1 : 2));
  avgpool_ = std::make_shared<nn::AdaptiveAvgPool2d>(1);
  fc_ = register_module("fc", std::make_shared<nn::Linear>(512 * (bottleneck ? Bottleneck::expansion : 1), num_classes));
}

std::shared_ptr<nn::Sequential> ResNet::make_layer(bool bottleneck, int64_t planes, int64_t blocks, int64_t stride) {
  const int64_t expansion = bottleneck ? Bottleneck::expansion : BasicBlock::expansion;
  auto layer = std::make_shared<nn::Sequential>();
  for (int64_t b = 0; b < blocks; ++b) {
    std::shared_ptr<nn::Sequential> ds;
    const int64_t s = b == 0 ? stride : 1;
    if (b == 0 && (stride != 1 || inplanes_ != planes * expansion))
      ds = std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
          conv1x1(inplanes_, planes * expansion, stride), std::make_shared<BatchNorm2d>(planes * expansion)});
    if (bottleneck) layer->push_back(std::make_shared<Bottleneck>(inplanes_, planes, s, ds));
    else layer->push_back(std::make_shared<BasicBlock>(inplanes_, planes, s, ds));
    inplanes_ = planes * expansion;
  }
  return layer;
}

Tensor ResNet::forward(const Tensor& x) {
  TESSERA_CHECK(x.defined() && x.dim() == 4 && x.size(1) == 3, "ResNet: expected input [N, 3, H, W], got ",
                x.defined() ? shape_str(x.shape()) : std::string("undefined"));
  Tensor y = conv1_->forward_fused(x, bn1_.get(), FusedActivation::relu);
  y = maxpool_->forward(y);
  for (auto& layer : layers_) y = layer->forward(y);
  y = avgpool_->forward(y).flatten(1);
  return fc_->forward(y);
}

std::shared_ptr<ResNet> resnet18(int64_t n) { return std::make_shared<ResNet>(false, std::vector<int64_t>{2, 2, 2, 2}, n); }
std::shared_ptr<ResNet> resnet34(int64_t n) { return std::make_shared<ResNet>(false, std::vector<int64_t>{3, 4, 6, 3}, n); }
std::shared_ptr<ResNet> resnet50(int64_t n) { return std::make_shared<ResNet>(true, std::vector<int64_t>{3, 4, 6, 3}, n); }
std::shared_ptr<ResNet> resnet101(int64_t n) { return std::make_shared<ResNet>(true, std::vector<int64_t>{3, 4, 23, 3}, n); }
std::shared_ptr<ResNet> resnet152(int64_t n) { return std::make_shared<ResNet>(true, std::vector<int64_t>{3, 8, 36, 3}, n); }

void add_resnet_models(std::vector<ModelInfo>& zoo) {
  zoo.push_back({"resnet18", [](int64_t n) { return resnet18(n); }, "resnet18-f37072fd.pth"});
  zoo.push_back({"resnet34", [](int64_t n) { return resnet34(n); }, "resnet34-b627a593.pth"});
  zoo.push_back({"resnet50", [](int64_t n) { return resnet50(n); }, "resnet50-0676ba61.pth"});
  zoo.push_back({"resnet101", [](int64_t n) { return resnet101(n); }, "resnet101-63fe2227.pth"});
  zoo.push_back({"resnet152", [](int64_t n) { return resnet152(n); }, "resnet152-394f9c45.pth"});
}

}  // namespace tessera::models
