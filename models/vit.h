// Vision Transformer as torchvision 0.14 defines it (VisionTransformer with the plain
// patchify stem and a single Linear head), with torchvision's module and parameter names:
// conv_proj, class_token, encoder.{pos_embedding, layers.encoder_layer_N.{ln_1,
// self_attention, ln_2, mlp}, ln}, heads.head. Dropouts are the identity at inference.
#pragma once
#include <memory>

#include "nn/attention.h"
#include "nn/container.h"
#include "nn/conv.h"
#include "nn/layernorm.h"
#include "nn/named_sequential.h"

namespace tessera::models {

// VisionTransformer's constructor arguments (representation_size and conv_stem_configs,
// which no torchvision ImageNet weights use, are not supported).
struct ViTConfig {
  int64_t image_size = 224, patch_size = 16;
  int64_t num_layers = 12, num_heads = 12, hidden_dim = 768, mlp_dim = 3072;
  int64_t num_classes = 1000;
  float norm_eps = 1e-6f;
};

class ViTEncoderBlock : public nn::Module {
 public:
  ViTEncoderBlock(int64_t num_heads, int64_t hidden_dim, int64_t mlp_dim, float eps);
  Tensor forward(const Tensor& x) override;  // [B, L, D] -> [B, L, D]
  const char* type_name() const override { return "EncoderBlock"; }

 private:
  std::shared_ptr<nn::LayerNorm> ln_1_, ln_2_;
  std::shared_ptr<nn::MultiheadAttention> self_attention_;
  std::shared_ptr<nn::Sequential> mlp_;
};

class ViTEncoder : public nn::Module {
 public:
  ViTEncoder(int64_t seq_length, const ViTConfig& c);
  Tensor forward(const Tensor& x) override;  // adds pos_embedding, runs the layers, final LayerNorm
  const char* type_name() const override { return "Encoder"; }

  Tensor& pos_embedding;  // [1, seq_length, hidden_dim]

 private:
  std::shared_ptr<nn::NamedSequential> layers_;
  std::shared_ptr<nn::LayerNorm> ln_;
};

class VisionTransformer : public nn::Module {
 public:
  explicit VisionTransformer(const ViTConfig& config);
  Tensor forward(const Tensor& x) override;  // [N, 3, image_size, image_size] -> [N, num_classes]
  const char* type_name() const override { return "VisionTransformer"; }

  const ViTConfig config;
  Tensor& class_token;  // [1, 1, hidden_dim]

 private:
  std::shared_ptr<nn::Conv2d> conv_proj_;
  std::shared_ptr<ViTEncoder> encoder_;
  std::shared_ptr<nn::NamedSequential> heads_;
};

std::shared_ptr<VisionTransformer> vit_b_16(int64_t num_classes = 1000);
std::shared_ptr<VisionTransformer> vit_b_32(int64_t num_classes = 1000);
std::shared_ptr<VisionTransformer> vit_l_16(int64_t num_classes = 1000);

}  // namespace tessera::models
