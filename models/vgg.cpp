#include "models/vgg.h"

#include "models/families.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/conv.h"
#include "nn/linear.h"

namespace tessera::models {

const std::vector<int64_t>& vgg_cfg(int depth) {
  static const std::vector<int64_t> a = {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0};
  static const std::vector<int64_t> b = {64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0};
  static const std::vector<int64_t> d = {64,  64,  0,   128, 128, 0,   256, 256, 256,
                                         0,   512, 512, 512, 0,   512, 512, 512, 0};
  static const std::vector<int64_t> e = {64,  64,  0,   128, 128, 0,   256, 256, 256, 256, 0,
                                         512, 512, 512, 512, 0,   512, 512, 512, 512, 0};
  switch (depth) {
    case 11: return a;
    case 13: return b;
    case 16: return d;
    case 19: return e;
  }
  throw Error("VGG: no configuration for depth " + std::to_string(depth) + " (known: 11, 13, 16, 19)");
}

VGG::VGG(const std::vector<int64_t>& cfg, bool batch_norm, int64_t num_classes, int64_t hidden) {
  TESSERA_CHECK(num_classes > 0 && hidden > 0, "VGG: num_classes and hidden must be positive, got ", num_classes,
                " and ", hidden);
  features_ = register_module("features", std::make_shared<nn::FusedSequential>());
  int64_t in = 3;
  for (int64_t v : cfg) {
    if (v == 0) {
      features_->push_back(std::make_shared<nn::MaxPool2d>(2, 2));
      continue;
    }
    features_->push_back(std::make_shared<nn::Conv2d>(in, v, 3, nn::Conv2dOptions{1, 1}));
    if (batch_norm) features_->push_back(std::make_shared<nn::BatchNorm2d>(v));
    features_->push_back(std::make_shared<nn::ReLU>());
    in = v;
  }
  avgpool_ = register_module("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(7));
  classifier_ = register_module("classifier", std::make_shared<nn::Sequential>());
  classifier_->push_back(std::make_shared<nn::Linear>(in * 7 * 7, hidden));
  classifier_->push_back(std::make_shared<nn::ReLU>());
  classifier_->push_back(std::make_shared<nn::Dropout>());
  classifier_->push_back(std::make_shared<nn::Linear>(hidden, hidden));
  classifier_->push_back(std::make_shared<nn::ReLU>());
  classifier_->push_back(std::make_shared<nn::Dropout>());
  classifier_->push_back(std::make_shared<nn::Linear>(hidden, num_classes));
}

Tensor VGG::forward(const Tensor& x) {
  TESSERA_CHECK(x.defined() && x.dim() == 4 && x.size(1) == 3, "VGG: expected input [N, 3, H, W], got ",
                x.defined() ? shape_str(x.shape()) : std::string("undefined"));
  Tensor y = features_->forward(x);
  if (y.size(2) != 7 || y.size(3) != 7) y = avgpool_->forward(y);  // at 224x224 the pool is the identity
  return classifier_->forward(y.flatten(1));
}

std::shared_ptr<VGG> vgg11(int64_t n) { return std::make_shared<VGG>(vgg_cfg(11), false, n); }
std::shared_ptr<VGG> vgg13(int64_t n) { return std::make_shared<VGG>(vgg_cfg(13), false, n); }
std::shared_ptr<VGG> vgg16(int64_t n) { return std::make_shared<VGG>(vgg_cfg(16), false, n); }
std::shared_ptr<VGG> vgg19(int64_t n) { return std::make_shared<VGG>(vgg_cfg(19), false, n); }
std::shared_ptr<VGG> vgg11_bn(int64_t n) { return std::make_shared<VGG>(vgg_cfg(11), true, n); }
std::shared_ptr<VGG> vgg13_bn(int64_t n) { return std::make_shared<VGG>(vgg_cfg(13), true, n); }
std::shared_ptr<VGG> vgg16_bn(int64_t n) { return std::make_shared<VGG>(vgg_cfg(16), true, n); }
std::shared_ptr<VGG> vgg19_bn(int64_t n) { return std::make_shared<VGG>(vgg_cfg(19), true, n); }

void add_vgg_models(std::vector<ModelInfo>& zoo) {
  zoo.push_back({"vgg11", [](int64_t n) { return vgg11(n); }, "vgg11-8a719046.pth"});
  zoo.push_back({"vgg13", [](int64_t n) { return vgg13(n); }, "vgg13-19584684.pth"});
  zoo.push_back({"vgg16", [](int64_t n) { return vgg16(n); }, "vgg16-397923af.pth"});
  zoo.push_back({"vgg19", [](int64_t n) { return vgg19(n); }, "vgg19-dcbb9e9d.pth"});
  zoo.push_back({"vgg11_bn", [](int64_t n) { return vgg11_bn(n); }, "vgg11_bn-6002323d.pth"});
  zoo.push_back({"vgg13_bn", [](int64_t n) { return vgg13_bn(n); }, "vgg13_bn-abd245e5.pth"});
  zoo.push_back({"vgg16_bn", [](int64_t n) { return vgg16_bn(n); }, "vgg16_bn-6c64b313.pth"});
  zoo.push_back({"vgg19_bn", [](int64_t n) { return vgg19_bn(n); }, "vgg19_bn-c79401a0.pth"});
}

}  // namespace tessera::models
