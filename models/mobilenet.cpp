#include "models/mobilenet.h"

#include <cmath>

#include "kernels/elementwise.h"
#include "kernels/pool.h"
#include "models/families.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/conv.h"
#include "nn/squeeze_excitation.h"

namespace tessera::models {

using nn::Conv2dNormActivation;

namespace {

// x + residual (same shapes), the inverted residual's skip connection.
Tensor add(const Tensor& a, const Tensor& b) {
  check_same_shape(a, b, "inverted residual add");
  const Tensor bc = b.contiguous();
  Tensor y = Tensor::empty(a.shape());
  kernels::binary_same_f32(kernels::BinaryOp::add, y.data<float>(), a.data<float>(), bc.data<float>(), a.numel());
  return y;
}

// Global average pool to [N, C] (adaptive_avg_pool2d(1) + flatten(1)).
Tensor global_avg_pool(const Tensor& x) {
  const Tensor in = x.contiguous();
  Tensor y = Tensor::empty({in.size(0), in.size(1)});
  kernels::adaptive_avg_pool2d_f32(y.data<float>(), in.data<float>(), in.size(0), in.size(1), in.size(2), in.size(3),
                                   1, 1);
  return y;
}

void check_image_batch(const Tensor& x, const char* model) {
  TESSERA_CHECK(x.defined() && x.dim() == 4 && x.size(1) == 3, model, ": expected input [N, 3, H, W], got ",
                x.defined() ? shape_str(x.shape()) : std::string("undefined"));
}

}  // namespace

int64_t make_divisible(double v, int64_t divisor) {
  int64_t rounded = std::max(divisor, static_cast<int64_t>(v + divisor / 2.0) / divisor * divisor);
  if (rounded < 0.9 * v) rounded += divisor;
  return rounded;
}

// ---- MobileNetV2 ----

InvertedResidualV2::InvertedResidualV2(int64_t inp, int64_t oup, int64_t stride, int64_t expand_ratio)
    : use_res_connect_(stride == 1 && inp == oup) {
  TESSERA_CHECK(stride == 1 || stride == 2, "InvertedResidual: stride must be 1 or 2, got ", stride);
  const int64_t hidden = inp * expand_ratio;
  conv_ = register_module("conv", std::make_shared<nn::FusedSequential>());
  if (expand_ratio != 1)
    conv_->push_back(std::make_shared<Conv2dNormActivation>(inp, hidden, Conv2dNormActivation::Options{1},
                                                            std::make_shared<nn::ReLU6>()));
  conv_->push_back(std::make_shared<Conv2dNormActivation>(
      hidden, hidden, Conv2dNormActivation::Options{3, stride, hidden}, std::make_shared<nn::ReLU6>()));
  conv_->push_back(std::make_shared<nn::Conv2d>(hidden, oup, 1, nn::Conv2dOptions{1, 0, 1, 1, false}));
  conv_->push_back(std::make_shared<nn::BatchNorm2d>(oup));
}

Tensor InvertedResidualV2::forward(const Tensor& x) {
  Tensor y = conv_->forward(x);
  return use_res_connect_ ? add(y, x) : y;
}

MobileNetV2::MobileNetV2(int64_t num_classes, double width_mult) {
  TESSERA_CHECK(num_classes > 0, "MobileNetV2: num_classes must be positive, got ", num_classes);
  // t (expansion), c (channels), n (blocks), s (first stride), as torchvision's table.
  const int64_t setting[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
                                 {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  int64_t input_channel = make_divisible(32 * width_mult, 8);
  const int64_t last_channel = make_divisible(1280 * std::max(1.0, width_mult), 8);
  features_ = register_module("features", std::make_shared<nn::Sequential>());
  features_->push_back(std::make_shared<Conv2dNormActivation>(3, input_channel, Conv2dNormActivation::Options{3, 2},
                                                              std::make_shared<nn::ReLU6>()));
  for (const auto& [t, c, n, s] : setting) {
    const int64_t output_channel = make_divisible(c * width_mult, 8);
    for (int64_t i = 0; i < n; ++i) {
      features_->push_back(std::make_shared<InvertedResidualV2>(input_channel, output_channel, i == 0 ? s : 1, t));
      input_channel = output_channel;
    }
  }
  features_->push_back(std::make_shared<Conv2dNormActivation>(input_channel, last_channel,
                                                              Conv2dNormActivation::Options{1},
                                                              std::make_shared<nn::ReLU6>()));
  classifier_ = register_module("classifier", std::make_shared<nn::Sequential>());
  classifier_->push_back(std::make_shared<nn::Dropout>(0.2f));
  classifier_->push_back(std::make_shared<nn::Linear>(last_channel, num_classes));
}

Tensor MobileNetV2::forward(const Tensor& x) {
  check_image_batch(x, "MobileNetV2");
  return classifier_->forward(global_avg_pool(features_->forward(x)));
}

// ---- MobileNetV3 ----

namespace {

constexpr Conv2dNormActivation::Options v3_options(int64_t k, int64_t stride = 1, int64_t groups = 1) {
  return {k, stride, groups, 1e-3f, 0.01f};  // torchvision: BatchNorm2d(eps=0.001, momentum=0.01)
}

std::shared_ptr<nn::Module> v3_activation(bool hardswish) {
  if (hardswish) return std::make_shared<nn::Hardswish>();
  return std::make_shared<nn::ReLU>();
}

}  // namespace

InvertedResidualV3::InvertedResidualV3(const InvertedResidualConfig& c)
    : use_res_connect_(c.stride == 1 && c.input_channels == c.out_channels) {
  TESSERA_CHECK(c.stride == 1 || c.stride == 2, "InvertedResidual: stride must be 1 or 2, got ", c.stride);
  block_ = register_module("block", std::make_shared<nn::FusedSequential>());
  if (c.expanded_channels != c.input_channels)
    block_->push_back(std::make_shared<Conv2dNormActivation>(c.input_channels, c.expanded_channels, v3_options(1),
                                                             v3_activation(c.use_hardswish)));
  block_->push_back(std::make_shared<Conv2dNormActivation>(c.expanded_channels, c.expanded_channels,
                                                           v3_options(c.kernel, c.stride, c.expanded_channels),
                                                           v3_activation(c.use_hardswish)));
  if (c.use_se)
    block_->push_back(std::make_shared<nn::SqueezeExcitation>(
        c.expanded_channels, make_divisible(c.expanded_channels / 4, 8), kernels::Activation::relu,
        kernels::Activation::hardsigmoid));
  block_->push_back(
      std::make_shared<Conv2dNormActivation>(c.expanded_channels, c.out_channels, v3_options(1), nullptr));
}

Tensor InvertedResidualV3::forward(const Tensor& x) {
  Tensor y = block_->forward(x);
  return use_res_connect_ ? add(y, x) : y;
}

MobileNetV3::MobileNetV3(const std::vector<InvertedResidualConfig>& setting, int64_t last_channel,
                         int64_t num_classes) {
  TESSERA_CHECK(!setting.empty(), "MobileNetV3: empty inverted residual setting");
  TESSERA_CHECK(num_classes > 0, "MobileNetV3: num_classes must be positive, got ", num_classes);
  features_ = register_module("features", std::make_shared<nn::Sequential>());
  features_->push_back(std::make_shared<Conv2dNormActivation>(3, setting.front().input_channels, v3_options(3, 2),
                                                              std::make_shared<nn::Hardswish>()));
  for (const InvertedResidualConfig& c : setting) features_->push_back(std::make_shared<InvertedResidualV3>(c));
  const int64_t lastconv_in = setting.back().out_channels, lastconv_out = 6 * lastconv_in;
  features_->push_back(std::make_shared<Conv2dNormActivation>(lastconv_in, lastconv_out, v3_options(1),
                                                              std::make_shared<nn::Hardswish>()));
  classifier_ = register_module("classifier", std::make_shared<nn::Sequential>());
  classifier_->push_back(std::make_shared<nn::Linear>(lastconv_out, last_channel));
  classifier_->push_back(std::make_shared<nn::Hardswish>());
  classifier_->push_back(std::make_shared<nn::Dropout>(0.2f));
  classifier_->push_back(std::make_shared<nn::Linear>(last_channel, num_classes));
}

Tensor MobileNetV3::forward(const Tensor& x) {
  check_image_batch(x, "MobileNetV3");
  return classifier_->forward(global_avg_pool(features_->forward(x)));
}

// ---- factories ----

std::shared_ptr<MobileNetV2> mobilenet_v2(int64_t n) { return std::make_shared<MobileNetV2>(n); }

namespace {

// A row as torchvision's bneck_conf(input, kernel, expanded, out, use_se, "RE"|"HS", stride, dilation=1)
// at width_mult 1.0.
InvertedResidualConfig bneck(int64_t in, int64_t k, int64_t exp, int64_t out, bool se, const char* act,
                             int64_t stride) {
  auto adjust = [](int64_t c) { return make_divisible(static_cast<double>(c), 8); };
  return {adjust(in), k, adjust(exp), adjust(out), se, std::string(act) == "HS", stride};
}

}  // namespace

std::shared_ptr<MobileNetV3> mobilenet_v3_large(int64_t n) {
  const std::vector<InvertedResidualConfig> s = {
      bneck(16, 3, 16, 16, false, "RE", 1),    bneck(16, 3, 64, 24, false, "RE", 2),
      bneck(24, 3, 72, 24, false, "RE", 1),    bneck(24, 5, 72, 40, true, "RE", 2),
      bneck(40, 5, 120, 40, true, "RE", 1),    bneck(40, 5, 120, 40, true, "RE", 1),
      bneck(40, 3, 240, 80, false, "HS", 2),   bneck(80, 3, 200, 80, false, "HS", 1),
      bneck(80, 3, 184, 80, false, "HS", 1),   bneck(80, 3, 184, 80, false, "HS", 1),
      bneck(80, 3, 480, 112, true, "HS", 1),   bneck(112, 3, 672, 112, true, "HS", 1),
      bneck(112, 5, 672, 160, true, "HS", 2),  bneck(160, 5, 960, 160, true, "HS", 1),
      bneck(160, 5, 960, 160, true, "HS", 1),
  };
  return std::make_shared<MobileNetV3>(s, make_divisible(1280, 8), n);
}

std::shared_ptr<MobileNetV3> mobilenet_v3_small(int64_t n) {
  const std::vector<InvertedResidualConfig> s = {
      bneck(16, 3, 16, 16, true, "RE", 2),   bneck(16, 3, 72, 24, false, "RE", 2),
      bneck(24, 3, 88, 24, false, "RE", 1),  bneck(24, 5, 96, 40, true, "HS", 2),
      bneck(40, 5, 240, 40, true, "HS", 1),  bneck(40, 5, 240, 40, true, "HS", 1),
      bneck(40, 5, 120, 48, true, "HS", 1),  bneck(48, 5, 144, 48, true, "HS", 1),
      bneck(48, 5, 288, 96, true, "HS", 2),  bneck(96, 5, 576, 96, true, "HS", 1),
      bneck(96, 5, 576, 96, true, "HS", 1),
  };
  return std::make_shared<MobileNetV3>(s, make_divisible(1024, 8), n);
}

void add_mobilenet_models(std::vector<ModelInfo>& zoo) {
  zoo.push_back({"mobilenet_v2", [](int64_t n) { return mobilenet_v2(n); }, "mobilenet_v2-b0353104.pth"});
  zoo.push_back({"mobilenet_v3_large", [](int64_t n) { return mobilenet_v3_large(n); },
                 "mobilenet_v3_large-8738ca79.pth"});
  zoo.push_back({"mobilenet_v3_small", [](int64_t n) { return mobilenet_v3_small(n); },
                 "mobilenet_v3_small-047dcff4.pth"});
}

}  // namespace tessera::models
