#include "models/convnext.h"

#include "kernels/parallel.h"
#include "models/families.h"
#include "nn/activation.h"
#include "nn/check.h"
#include "nn/conv.h"
#include "nn/layernorm.h"
#include "nn/linear.h"
#include "nn/permute.h"
#include "nn/pooling.h"

namespace tessera::models {

using nn::Conv2d;
using nn::Conv2dOptions;

CNBlock::CNBlock(int64_t dim, float scale, float eps)
    : layer_scale(register_parameter("layer_scale", Tensor::full({dim, 1, 1}, scale))) {
  block_ = register_module("block", std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
                                        std::make_shared<Conv2d>(dim, dim, 7, Conv2dOptions{1, 3, 1, dim, true}),
                                        std::make_shared<nn::Permute>(Shape{0, 2, 3, 1}),
                                        std::make_shared<nn::LayerNorm>(dim, eps),
                                        std::make_shared<nn::Linear>(dim, 4 * dim),
                                        std::make_shared<nn::GELU>(),
                                        std::make_shared<nn::Linear>(4 * dim, dim),
                                        std::make_shared<nn::Permute>(Shape{0, 3, 1, 2}),
                                    }));
}

Tensor CNBlock::forward(const Tensor& x) {
  nn::check_input(x, "CNBlock", 4, 1, layer_scale.size(0), "[N, C, H, W]");
  const Tensor in = x.contiguous();
  const Tensor branch = block_->forward(in);
  const int64_t N = in.size(0), C = in.size(1), HW = in.size(2) * in.size(3);
  Tensor y = Tensor::empty(in.shape());
  const float *xs = in.data<float>(), *bs = branch.data<float>(), *g = layer_scale.data<float>();
  float* ys = y.data<float>();
  // y = x + gamma[c] * branch (stochastic depth: identity at inference)
  parallel_for(N * C, 8, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const float s = g[p % C];
      for (int64_t i = p * HW; i < (p + 1) * HW; ++i) ys[i] = xs[i] + s * bs[i];
    }
  });
  return y;
}

ConvNeXt::ConvNeXt(const ConvNeXtConfig& c) {
  TESSERA_CHECK(!c.block_setting.empty(), "ConvNeXt: the block_setting should not be empty");
  TESSERA_CHECK(c.num_classes > 0, "ConvNeXt: num_classes must be positive, got ", c.num_classes);
  features_ = register_module("features", std::make_shared<nn::Sequential>());
  const int64_t stem = c.block_setting.front().input_channels;
  features_->push_back(std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
      std::make_shared<Conv2d>(3, stem, 4, Conv2dOptions{4, 0, 1, 1, true}),
      std::make_shared<nn::LayerNorm2d>(stem, c.norm_eps)}));
  for (const CNBlockConfig& s : c.block_setting) {
    TESSERA_CHECK(s.input_channels > 0 && s.out_channels >= 0 && s.num_layers >= 0,
                  "ConvNeXt: invalid block config (", s.input_channels, ", ", s.out_channels, ", ", s.num_layers, ")");
    auto stage = std::make_shared<nn::Sequential>();
    for (int64_t i = 0; i < s.num_layers; ++i)
      stage->push_back(std::make_shared<CNBlock>(s.input_channels, c.layer_scale, c.norm_eps));
    features_->push_back(stage);
    if (s.out_channels > 0)
      features_->push_back(std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
          std::make_shared<nn::LayerNorm2d>(s.input_channels, c.norm_eps),
          std::make_shared<Conv2d>(s.input_channels, s.out_channels, 2, Conv2dOptions{2, 0, 1, 1, true})}));
  }
  const CNBlockConfig& last = c.block_setting.back();
  const int64_t channels = last.out_channels > 0 ? last.out_channels : last.input_channels;
  classifier_ = register_module("classifier", std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
                                                  std::make_shared<nn::LayerNorm2d>(channels, c.norm_eps),
                                                  std::make_shared<nn::Flatten>(1),
                                                  std::make_shared<nn::Linear>(channels, c.num_classes)}));
}

Tensor ConvNeXt::forward(const Tensor& x) {
  TESSERA_CHECK(x.defined() && x.dim() == 4 && x.size(1) == 3, "ConvNeXt: expected input [N, 3, H, W], got ",
                x.defined() ? shape_str(x.shape()) : std::string("undefined"));
  const Tensor features = features_->forward(x);
  return classifier_->forward(nn::AdaptiveAvgPool2d(1).forward(features));
}

namespace {
std::shared_ptr<ConvNeXt> make_convnext(std::vector<CNBlockConfig> setting, int64_t num_classes) {
  ConvNeXtConfig c;
  c.block_setting = std::move(setting);
  c.num_classes = num_classes;
  return std::make_shared<ConvNeXt>(c);
}
}  // namespace

std::shared_ptr<ConvNeXt> convnext_tiny(int64_t n) {
  return make_convnext({{96, 192, 3}, {192, 384, 3}, {384, 768, 9}, {768, 0, 3}}, n);
}
std::shared_ptr<ConvNeXt> convnext_small(int64_t n) {
  return make_convnext({{96, 192, 3}, {192, 384, 3}, {384, 768, 27}, {768, 0, 3}}, n);
}
std::shared_ptr<ConvNeXt> convnext_base(int64_t n) {
  return make_convnext({{128, 256, 3}, {256, 512, 3}, {512, 1024, 27}, {1024, 0, 3}}, n);
}

void add_convnext_models(std::vector<ModelInfo>& zoo) {
  zoo.push_back({"convnext_tiny", [](int64_t n) { return convnext_tiny(n); }, "convnext_tiny-983f1562.pth", 236});
  zoo.push_back({"convnext_small", [](int64_t n) { return convnext_small(n); }, "convnext_small-0c510722.pth", 230});
  zoo.push_back({"convnext_base", [](int64_t n) { return convnext_base(n); }, "convnext_base-6075fbad.pth", 232});
}

}  // namespace tessera::models
