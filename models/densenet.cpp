#include "models/densenet.h"

#include <regex>

#include <cstring>

#include "kernels/batchnorm.h"
#include "kernels/pool.h"
#include "models/families.h"
#include "nn/check.h"

namespace tessera::models {

using kernels::FusedActivation;
using nn::BatchNorm2d;
using nn::Conv2d;
using nn::Conv2dOptions;

namespace {

// relu(bn(x)) over channels [0, C) of each image of `x` [N, C_total, H, W] (a channel
// prefix: per image, C planes at the start of C_total), into a fresh [N, C, H, W].
Tensor bn_relu_prefix(const BatchNorm2d& bn, const Tensor& x) {
  const int64_t N = x.size(0), C_total = x.size(1), HW = x.size(2) * x.size(3), C = bn.num_features;
  TESSERA_CHECK(x.is_contiguous() && C <= C_total, bn.type_name(), ": expected a contiguous input with at least ", C,
                " channels, got ", shape_str(x.shape()));
  std::vector<float> scale(static_cast<size_t>(C)), shift(static_cast<size_t>(C));
  bn.folded(scale.data(), shift.data());
  Tensor y = Tensor::empty({N, C, x.size(2), x.size(3)});
  for (int64_t n = 0; n < N; ++n)
    kernels::channel_affine_f32(y.data<float>() + n * C * HW, x.data<float>() + n * C_total * HW, scale.data(),
                                shift.data(), 1, C, HW, true);
  return y;
}

// Copies src [N, C, H, W] into channels [c0, c0 + C) of dst [N, C_total, H, W].
void write_channels(Tensor& dst, int64_t c0, const Tensor& src) {
  const int64_t N = src.size(0), C = src.size(1), HW = src.size(2) * src.size(3), C_total = dst.size(1);
  for (int64_t n = 0; n < N; ++n)
    std::memcpy(dst.data<float>() + (n * C_total + c0) * HW, src.data<float>() + n * C * HW,
                sizeof(float) * static_cast<size_t>(C * HW));
}

}  // namespace

DenseLayer::DenseLayer(int64_t in, int64_t growth_rate, int64_t bn_size) : num_input_features_(in) {
  norm1_ = register_module("norm1", std::make_shared<BatchNorm2d>(in));
  conv1_ = register_module("conv1", std::make_shared<Conv2d>(in, bn_size * growth_rate, 1, Conv2dOptions{1, 0, 1, 1, false}));
  norm2_ = register_module("norm2", std::make_shared<BatchNorm2d>(bn_size * growth_rate));
  conv2_ = register_module("conv2",
                           std::make_shared<Conv2d>(bn_size * growth_rate, growth_rate, 3, Conv2dOptions{1, 1, 1, 1, false}));
}

Tensor DenseLayer::bottleneck(const Tensor& block) {
  return conv1_->forward_fused(bn_relu_prefix(*norm1_, block), norm2_.get(), FusedActivation::relu);
}

void DenseLayer::forward_into(Tensor& block) {
  write_channels(block, num_input_features_, conv2_->forward(bottleneck(block)));
}

Tensor DenseLayer::forward(const Tensor& x) {
  nn::check_input(x, "_DenseLayer", 4, 1, num_input_features_, "[N, C, H, W]");
  return conv2_->forward(bottleneck(x.contiguous()));
}

DenseBlock::DenseBlock(int64_t num_layers, int64_t in, int64_t bn_size, int64_t growth_rate)
    : num_input_features_(in), growth_rate_(growth_rate) {
  for (int64_t i = 0; i < num_layers; ++i)
    layers_.push_back(register_module("denselayer" + std::to_string(i + 1),
                                      std::make_shared<DenseLayer>(in + i * growth_rate, growth_rate, bn_size)));
}

Tensor DenseBlock::forward(const Tensor& x) {
  nn::check_input(x, "_DenseBlock", 4, 1, num_input_features_, "[N, C, H, W]");
  const int64_t total = num_input_features_ + static_cast<int64_t>(layers_.size()) * growth_rate_;
  Tensor block = Tensor::empty({x.size(0), total, x.size(2), x.size(3)});
  write_channels(block, 0, x.contiguous());
  for (auto& layer : layers_) layer->forward_into(block);
  return block;
}

Transition::Transition(int64_t in, int64_t out) {
  norm_ = register_module("norm", std::make_shared<BatchNorm2d>(in));
  conv_ = register_module("conv", std::make_shared<Conv2d>(in, out, 1, Conv2dOptions{1, 0, 1, 1, false}));
  pool_ = std::make_shared<nn::AvgPool2d>(2, 2);
}

Tensor Transition::forward(const Tensor& x) {
  nn::check_input(x, "_Transition", 4, 1, norm_->num_features, "[N, C, H, W]");
  // A 1x1 conv without bias and a 2x2 average pool commute; pooling first does 4x less conv work.
  return conv_->forward(pool_->forward(bn_relu_prefix(*norm_, x.contiguous())));
}

DenseNetFeatures::DenseNetFeatures(int64_t growth_rate, const std::array<int64_t, 4>& block_config,
                                   int64_t num_init_features, int64_t bn_size) {
  conv0_ = register_module("conv0", std::make_shared<Conv2d>(3, num_init_features, 7, Conv2dOptions{2, 3, 1, 1, false}));
  norm0_ = register_module("norm0", std::make_shared<BatchNorm2d>(num_init_features));
  pool0_ = std::make_shared<nn::MaxPool2d>(3, 2, 1);
  int64_t c = num_init_features;
  for (size_t i = 0; i < block_config.size(); ++i) {
    stages_.push_back(register_module("denseblock" + std::to_string(i + 1),
                                      std::make_shared<DenseBlock>(block_config[i], c, bn_size, growth_rate)));
    c += block_config[i] * growth_rate;
    if (i + 1 < block_config.size()) {
      stages_.push_back(register_module("transition" + std::to_string(i + 1), std::make_shared<Transition>(c, c / 2)));
      c /= 2;
    }
  }
  norm5_ = register_module("norm5", std::make_shared<BatchNorm2d>(c));
}

Tensor DenseNetFeatures::forward(const Tensor& x) {
  Tensor y = pool0_->forward(conv0_->forward_fused(x, norm0_.get(), FusedActivation::relu));
  for (auto& stage : stages_) y = stage->forward(y);
  return bn_relu_prefix(*norm5_, y);
}

DenseNet::DenseNet(int64_t growth_rate, const std::array<int64_t, 4>& block_config, int64_t num_init_features,
                   int64_t bn_size, int64_t num_classes) {
  TESSERA_CHECK(num_classes > 0, "DenseNet: num_classes must be positive, got ", num_classes);
  features_ = register_module("features",
                             std::make_shared<DenseNetFeatures>(growth_rate, block_config, num_init_features, bn_size));
  classifier_ = register_module("classifier", std::make_shared<nn::Linear>(features_->num_features(), num_classes));
}

Tensor DenseNet::forward(const Tensor& x) {
  TESSERA_CHECK(x.defined() && x.dim() == 4 && x.size(1) == 3, "DenseNet: expected input [N, 3, H, W], got ",
                x.defined() ? shape_str(x.shape()) : std::string("undefined"));
  const Tensor f = features_->forward(x);
  Tensor pooled = Tensor::empty({f.size(0), f.size(1)});
  kernels::adaptive_avg_pool2d_f32(pooled.data<float>(), f.data<float>(), f.size(0), f.size(1), f.size(2), f.size(3),
                                   1, 1);
  return classifier_->forward(pooled);
}

std::shared_ptr<DenseNet> densenet121(int64_t n) { return std::make_shared<DenseNet>(32, std::array<int64_t, 4>{6, 12, 24, 16}, 64, 4, n); }
std::shared_ptr<DenseNet> densenet161(int64_t n) { return std::make_shared<DenseNet>(48, std::array<int64_t, 4>{6, 12, 36, 24}, 96, 4, n); }
std::shared_ptr<DenseNet> densenet169(int64_t n) { return std::make_shared<DenseNet>(32, std::array<int64_t, 4>{6, 12, 32, 32}, 64, 4, n); }
std::shared_ptr<DenseNet> densenet201(int64_t n) { return std::make_shared<DenseNet>(32, std::array<int64_t, 4>{6, 12, 48, 32}, 64, 4, n); }

// torchvision's published DenseNet files use the old key names ("norm.1" for "norm1"); its
// loader renames them, so they load here once renamed the same way.
// The published DenseNet checkpoints predate torch's key rules: "denselayer1.norm.1.weight"
// for "denselayer1.norm1.weight". torchvision renames them with this same pattern on load.
void rename_legacy_densenet_keys(StateDict& sd) {
  static const std::regex legacy(R"(^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$)");
  StateDict renamed;
  for (const StateEntry& e : sd) renamed.add(std::regex_replace(e.name, legacy, "$1$2"), e.tensor, e.file_dtype);
  renamed.module_metadata = sd.module_metadata;
  sd = std::move(renamed);
}

void add_densenet_models(std::vector<ModelInfo>& zoo) {
  auto add = [&](const char* name, std::shared_ptr<nn::Module> (*make)(int64_t), const char* file) {
    ModelInfo m{name, make, file};
    m.adapt_checkpoint = rename_legacy_densenet_keys;
    zoo.push_back(std::move(m));
  };
  add("densenet121", [](int64_t n) -> std::shared_ptr<nn::Module> { return densenet121(n); }, "densenet121-a639ec97.pth");
  add("densenet161", [](int64_t n) -> std::shared_ptr<nn::Module> { return densenet161(n); }, "densenet161-8d451a50.pth");
  add("densenet169", [](int64_t n) -> std::shared_ptr<nn::Module> { return densenet169(n); }, "densenet169-b2777c0a.pth");
  add("densenet201", [](int64_t n) -> std::shared_ptr<nn::Module> { return densenet201(n); }, "densenet201-c1103571.pth");
}

}  // namespace tessera::models
