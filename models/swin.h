// Swin Transformer (v1) as torchvision 0.14 defines it, with torchvision's module and
// parameter names: features.0 (patch embedding: Conv2d, Permute, LayerNorm), stages of
// SwinTransformerBlocks (norm1, attn.{relative_position_bias_table,
// relative_position_index, qkv, proj}, norm2, mlp.{0,3}) with PatchMerging (reduction,
// norm) between them, then norm, head. Activations are NHWC inside the features, as in
// torchvision. Stochastic depth and dropout are the identity at inference.
#pragma once
#include <array>
#include <memory>
#include <vector>

#include "nn/container.h"
#include "nn/layernorm.h"
#include "nn/linear.h"

namespace tessera::models {

// torchvision's SwinTransformer constructor arguments (v1 blocks and PatchMerging).
struct SwinConfig {
  std::array<int64_t, 2> patch_size{4, 4};
  int64_t embed_dim = 96;
  std::vector<int64_t> depths{2, 2, 6, 2};
  std::vector<int64_t> num_heads{3, 6, 12, 24};
  std::array<int64_t, 2> window_size{7, 7};
  float mlp_ratio = 4.f;
  int64_t num_classes = 1000;
  float norm_eps = 1e-5f;
};

// Window multi-head self-attention with relative position bias; shift_size > 0 rolls the
// map first and masks the pairs of tokens that the roll brought together from afar.
// The map is zero-padded to a multiple of the window (the padding takes part in the
// attention, as in torchvision).
class ShiftedWindowAttention : public nn::Module {
 public:
  ShiftedWindowAttention(int64_t dim, std::array<int64_t, 2> window_size, std::array<int64_t, 2> shift_size,
                         int64_t num_heads);
  Tensor forward(const Tensor& x) override;  // [B, H, W, C] -> [B, H, W, C]
  const char* type_name() const override { return "ShiftedWindowAttention"; }

  int64_t dim, num_heads;
  std::array<int64_t, 2> window_size, shift_size;
  Tensor& relative_position_bias_table;  // [(2 Wh - 1)(2 Ww - 1), heads]
  Tensor& relative_position_index;       // [(Wh Ww)^2], int64 in the file

 private:
  std::shared_ptr<nn::Linear> qkv_, proj_;
};

class SwinTransformerBlock : public nn::Module {
 public:
  SwinTransformerBlock(int64_t dim, int64_t num_heads, std::array<int64_t, 2> window_size,
                       std::array<int64_t, 2> shift_size, float mlp_ratio, float norm_eps);
  Tensor forward(const Tensor& x) override;  // [B, H, W, C] -> [B, H, W, C]
  const char* type_name() const override { return "SwinTransformerBlock"; }

 private:
  std::shared_ptr<nn::LayerNorm> norm1_, norm2_;
  std::shared_ptr<ShiftedWindowAttention> attn_;
  std::shared_ptr<nn::Sequential> mlp_;
};

// [B, H, W, C] -> [B, ceil(H/2), ceil(W/2), 2C]: 2x2 neighbours concatenated (odd sizes
// zero-padded), LayerNorm(4C), Linear(4C, 2C, bias=False).
class PatchMerging : public nn::Module {
 public:
  PatchMerging(int64_t dim, float norm_eps);
  Tensor forward(const Tensor& x) override;
  const char* type_name() const override { return "PatchMerging"; }

 private:
  std::shared_ptr<nn::Linear> reduction_;
  std::shared_ptr<nn::LayerNorm> norm_;
};

class SwinTransformer : public nn::Module {
 public:
  explicit SwinTransformer(const SwinConfig& config);
  Tensor forward(const Tensor& x) override;  // [N, 3, H, W] -> [N, num_classes]
  const char* type_name() const override { return "SwinTransformer"; }

 private:
  std::shared_ptr<nn::Sequential> features_;
  std::shared_ptr<nn::LayerNorm> norm_;
  std::shared_ptr<nn::Linear> head_;
};

std::shared_ptr<SwinTransformer> swin_t(int64_t num_classes = 1000);
std::shared_ptr<SwinTransformer> swin_s(int64_t num_classes = 1000);
std::shared_ptr<SwinTransformer> swin_b(int64_t num_classes = 1000);

}  // namespace tessera::models
