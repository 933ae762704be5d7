#include "models/vit.h"

#include <cstring>

#include "kernels/elementwise.h"
#include "models/families.h"
#include "nn/check.h"
#include "nn/linear.h"
#include "nn/mlp.h"

namespace tessera::models {

namespace {

// y = a + b, same shapes (the residual joins).
Tensor add(const Tensor& a, const Tensor& b) {
  check_same_shape(a, b, "ViT residual add");
  const Tensor ac = a.contiguous(), bc = b.contiguous();
  Tensor y = Tensor::empty(a.shape());
  kernels::binary_same_f32(kernels::BinaryOp::add, y.data<float>(), ac.data<float>(), bc.data<float>(), a.numel());
  return y;
}

}  // namespace

ViTEncoderBlock::ViTEncoderBlock(int64_t num_heads, int64_t hidden_dim, int64_t mlp_dim, float eps) {
  ln_1_ = register_module("ln_1", std::make_shared<nn::LayerNorm>(hidden_dim, eps));
  self_attention_ = register_module("self_attention", std::make_shared<nn::MultiheadAttention>(hidden_dim, num_heads));
  ln_2_ = register_module("ln_2", std::make_shared<nn::LayerNorm>(hidden_dim, eps));
  mlp_ = register_module("mlp", nn::make_gelu_mlp(hidden_dim, mlp_dim, hidden_dim));
}

Tensor ViTEncoderBlock::forward(const Tensor& input) {
  const Tensor x = add(self_attention_->forward(ln_1_->forward(input)), input);
  return add(x, mlp_->forward(ln_2_->forward(x)));
}

ViTEncoder::ViTEncoder(int64_t seq_length, const ViTConfig& c)
    : pos_embedding(register_parameter("pos_embedding", Tensor::zeros({1, seq_length, c.hidden_dim}))) {
  layers_ = register_module("layers", std::make_shared<nn::NamedSequential>());
  for (int64_t i = 0; i < c.num_layers; ++i)
    layers_->add("encoder_layer_" + std::to_string(i),
                 std::make_shared<ViTEncoderBlock>(c.num_heads, c.hidden_dim, c.mlp_dim, c.norm_eps));
  ln_ = register_module("ln", std::make_shared<nn::LayerNorm>(c.hidden_dim, c.norm_eps));
}

Tensor ViTEncoder::forward(const Tensor& x) {
  nn::check_input(x, "ViT Encoder", 3, 1, pos_embedding.size(1), "[B, seq_length, hidden_dim]");
  const Tensor in = x.contiguous();
  Tensor y = Tensor::empty(in.shape());
  kernels::add_f32(y.data<float>(), in.shape().data(), 3, in.data<float>(), in.shape().data(), 3,
                   pos_embedding.data<float>(), pos_embedding.shape().data(), 3);
  return ln_->forward(layers_->forward(y));
}

VisionTransformer::VisionTransformer(const ViTConfig& c)
    : config(c), class_token(register_parameter("class_token", Tensor::zeros({1, 1, c.hidden_dim}))) {
  TESSERA_CHECK(c.patch_size > 0 && c.image_size % c.patch_size == 0, "VisionTransformer: image_size=", c.image_size,
                " is not a multiple of patch_size=", c.patch_size);
  TESSERA_CHECK(c.num_classes > 0, "VisionTransformer: num_classes must be positive, got ", c.num_classes);
  conv_proj_ = register_module(
      "conv_proj", std::make_shared<nn::Conv2d>(3, c.hidden_dim, c.patch_size, nn::Conv2dOptions{c.patch_size, 0}));
  const int64_t patches = (c.image_size / c.patch_size) * (c.image_size / c.patch_size);
  encoder_ = register_module("encoder", std::make_shared<ViTEncoder>(patches + 1, c));
  heads_ = register_module("heads", std::make_shared<nn::NamedSequential>());
  heads_->add("head", std::make_shared<nn::Linear>(c.hidden_dim, c.num_classes));
}

Tensor VisionTransformer::forward(const Tensor& x) {
  TESSERA_CHECK(x.defined() && x.dim() == 4 && x.size(1) == 3 && x.size(2) == config.image_size &&
                    x.size(3) == config.image_size,
                "VisionTransformer: expected input [N, 3, ", config.image_size, ", ", config.image_size, "], got ",
                x.defined() ? shape_str(x.shape()) : std::string("undefined"));
  const int64_t N = x.size(0), D = config.hidden_dim;
  const Tensor patches = conv_proj_->forward(x).flatten(2).transpose(1, 2).contiguous();  // [N, L0, D]
  const int64_t L0 = patches.size(1);
  // [class_token; patches] along the sequence.
  Tensor seq = Tensor::empty({N, L0 + 1, D});
  for (int64_t n = 0; n < N; ++n) {
    float* dst = seq.data<float>() + n * (L0 + 1) * D;
    std::memcpy(dst, class_token.data<float>(), D * sizeof(float));
    std::memcpy(dst + D, patches.data<float>() + n * L0 * D, L0 * D * sizeof(float));
  }
  const Tensor cls = encoder_->forward(seq).select(1, 0).contiguous();  // [N, D]
  return heads_->forward(cls);
}

namespace {
std::shared_ptr<VisionTransformer> make_vit(int64_t patch, int64_t layers, int64_t heads, int64_t hidden, int64_t mlp,
                                            int64_t num_classes) {
  ViTConfig c;
  c.patch_size = patch, c.num_layers = layers, c.num_heads = heads, c.hidden_dim = hidden, c.mlp_dim = mlp;
  c.num_classes = num_classes;
  return std::make_shared<VisionTransformer>(c);
}
}  // namespace

std::shared_ptr<VisionTransformer> vit_b_16(int64_t n) { return make_vit(16, 12, 12, 768, 3072, n); }
std::shared_ptr<VisionTransformer> vit_b_32(int64_t n) { return make_vit(32, 12, 12, 768, 3072, n); }
std::shared_ptr<VisionTransformer> vit_l_16(int64_t n) { return make_vit(16, 24, 16, 1024, 4096, n); }

void add_vit_models(std::vector<ModelInfo>& zoo) {
  zoo.push_back({"vit_b_16", [](int64_t n) { return vit_b_16(n); }, "vit_b_16-c867db91.pth"});
  zoo.push_back({"vit_b_32", [](int64_t n) { return vit_b_32(n); }, "vit_b_32-d86f8d99.pth"});
  zoo.push_back({"vit_l_16", [](int64_t n) { return vit_l_16(n); }, "vit_l_16-852ce7e3.pth", 242});
}

}  // namespace tessera::models
