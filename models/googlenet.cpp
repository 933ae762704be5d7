#include "models/googlenet.h"

#include "kernels/batchnorm.h"
#include "kernels/concat.h"
#include "kernels/pool.h"
#include "models/families.h"
#include "nn/check.h"

namespace tessera::models {

using kernels::FusedActivation;

BasicConv2d::BasicConv2d(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t padding) {
  conv_ = register_module("conv", std::make_shared<nn::Conv2d>(in, out, k, nn::Conv2dOptions{stride, padding, 1, 1, false}));
  bn_ = register_module("bn", std::make_shared<nn::BatchNorm2d>(out, 1e-3f));
}

Tensor BasicConv2d::forward(const Tensor& x) { return conv_->forward_fused(x, bn_.get(), FusedActivation::relu); }

Inception::Inception(int64_t in, int64_t ch1x1, int64_t ch3x3red, int64_t ch3x3, int64_t ch5x5red, int64_t ch5x5,
                     int64_t pool_proj)
    : in_channels_(in) {
  branch1_ = register_module("branch1", std::make_shared<BasicConv2d>(in, ch1x1, 1));
  branch2_ = register_module("branch2", std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
                                            std::make_shared<BasicConv2d>(in, ch3x3red, 1),
                                            std::make_shared<BasicConv2d>(ch3x3red, ch3x3, 3, 1, 1)}));
  branch3_ = register_module("branch3", std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
                                            std::make_shared<BasicConv2d>(in, ch5x5red, 1),
                                            std::make_shared<BasicConv2d>(ch5x5red, ch5x5, 3, 1, 1)}));
  branch4_ = register_module("branch4", std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
                                            std::make_shared<nn::MaxPool2d>(3, 1, 1, 1, true),
                                            std::make_shared<BasicConv2d>(in, pool_proj, 1)}));
}

Tensor Inception::forward(const Tensor& x) {
  nn::check_input(x, "Inception", 4, 1, in_channels_, "[N, C, H, W]");
  const Tensor branches[4] = {branch1_->forward(x), branch2_->forward(x), branch3_->forward(x), branch4_->forward(x)};
  const float* inputs[4];
  int64_t sizes[4], channels = 0;
  for (int i = 0; i < 4; ++i) {
    inputs[i] = branches[i].data<float>();
    sizes[i] = branches[i].size(1);
    channels += sizes[i];
  }
  const int64_t H = branches[0].size(2), W = branches[0].size(3);
  Tensor y = Tensor::empty({x.size(0), channels, H, W});
  kernels::concat_f32(y.data<float>(), inputs, sizes, 4, x.size(0), H * W);
  return y;
}

GoogLeNet::GoogLeNet(int64_t num_classes, bool transform_input_) : transform_input(transform_input_) {
  TESSERA_CHECK(num_classes > 0, "GoogLeNet: num_classes must be positive, got ", num_classes);
  conv1_ = register_module("conv1", std::make_shared<BasicConv2d>(3, 64, 7, 2, 3));
  maxpool1_ = std::make_shared<nn::MaxPool2d>(3, 2, 0, 1, true);
  conv2_ = register_module("conv2", std::make_shared<BasicConv2d>(64, 64, 1));
  conv3_ = register_module("conv3", std::make_shared<BasicConv2d>(64, 192, 3, 1, 1));
  maxpool2_ = std::make_shared<nn::MaxPool2d>(3, 2, 0, 1, true);
  auto inception = [this](const char* name, int64_t in, int64_t a, int64_t b, int64_t c, int64_t d, int64_t e,
                          int64_t f) { return register_module(name, std::make_shared<Inception>(in, a, b, c, d, e, f)); };
  inception3a_ = inception("inception3a", 192, 64, 96, 128, 16, 32, 32);
  inception3b_ = inception("inception3b", 256, 128, 128, 192, 32, 96, 64);
  maxpool3_ = std::make_shared<nn::MaxPool2d>(3, 2, 0, 1, true);
  inception4a_ = inception("inception4a", 480, 192, 96, 208, 16, 48, 64);
  inception4b_ = inception("inception4b", 512, 160, 112, 224, 24, 64, 64);
  inception4c_ = inception("inception4c", 512, 128, 128, 256, 24, 64, 64);
  inception4d_ = inception("inception4d", 512, 112, 144, 288, 32, 64, 64);
  inception4e_ = inception("inception4e", 528, 256, 160, 320, 32, 128, 128);
  maxpool4_ = std::make_shared<nn::MaxPool2d>(2, 2, 0, 1, true);
  inception5a_ = inception("inception5a", 832, 256, 160, 320, 32, 128, 128);
  inception5b_ = inception("inception5b", 832, 384, 192, 384, 48, 128, 128);
  fc_ = register_module("fc", std::make_shared<nn::Linear>(1024, num_classes));
}

Tensor GoogLeNet::forward(const Tensor& x) {
  TESSERA_CHECK(x.defined() && x.dim() == 4 && x.size(1) == 3, "GoogLeNet: expected input [N, 3, H, W], got ",
                x.defined() ? shape_str(x.shape()) : std::string("undefined"));
  Tensor y = x;
  if (transform_input) {
    // torchvision: x_c * (std_c / 0.5) + (mean_c - 0.5) / 0.5, per channel.
    const float scale[3] = {0.229f / 0.5f, 0.224f / 0.5f, 0.225f / 0.5f};
    const float shift[3] = {(0.485f - 0.5f) / 0.5f, (0.456f - 0.5f) / 0.5f, (0.406f - 0.5f) / 0.5f};
    const Tensor in = x.contiguous();
    y = Tensor::empty(in.shape());
    kernels::channel_affine_f32(y.data<float>(), in.data<float>(), scale, shift, in.size(0), 3,
                                in.size(2) * in.size(3), false);
  }
  y = maxpool1_->forward(conv1_->forward(y));
  y = maxpool2_->forward(conv3_->forward(conv2_->forward(y)));
  y = maxpool3_->forward(inception3b_->forward(inception3a_->forward(y)));
  for (auto* block : {&inception4a_, &inception4b_, &inception4c_, &inception4d_, &inception4e_})
    y = (*block)->forward(y);
  y = inception5b_->forward(inception5a_->forward(maxpool4_->forward(y)));
  Tensor pooled = Tensor::empty({y.size(0), y.size(1)});
  kernels::adaptive_avg_pool2d_f32(pooled.data<float>(), y.data<float>(), y.size(0), y.size(1), y.size(2), y.size(3),
                                   1, 1);
  return fc_->forward(pooled);  // dropout: the identity at inference
}

std::shared_ptr<GoogLeNet> googlenet(int64_t num_classes, bool transform_input) {
  return std::make_shared<GoogLeNet>(num_classes, transform_input);
}

// torchvision's published file also holds the (untrained) aux1/aux2 heads, which torchvision
// drops after loading: drop those keys before a strict load.
void add_googlenet_models(std::vector<ModelInfo>& zoo) {
  ModelInfo m{"googlenet", [](int64_t n) { return googlenet(n); }, "googlenet-1378be20.pth"};
  // The published checkpoint carries the training-only aux heads; torchvision drops them too.
  m.adapt_checkpoint = [](StateDict& sd) {
    StateDict kept;
    for (const StateEntry& e : sd)
      if (e.name.rfind("aux1.", 0) != 0 && e.name.rfind("aux2.", 0) != 0) kept.add(e.name, e.tensor, e.file_dtype);
    kept.module_metadata = sd.module_metadata;
    sd = std::move(kept);
  };
  zoo.push_back(std::move(m));
}

}  // namespace tessera::models
