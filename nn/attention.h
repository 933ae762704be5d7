// MultiheadAttention as torch.nn.MultiheadAttention(embed_dim, num_heads, batch_first=True)
// used for self-attention (query = key = value = x), with torch's parameter names:
// in_proj_weight [3E, E], in_proj_bias [3E], out_proj.{weight, bias}. Runs the fused
// scaled-dot-product attention kernel over batch x heads.
#pragma once
#include <memory>

#include "nn/linear.h"
#include "nn/module.h"

namespace tessera::nn {

class MultiheadAttention : public Module {
 public:
  MultiheadAttention(int64_t embed_dim, int64_t num_heads, bool bias = true);
  Tensor forward(const Tensor& x) override;  // [B, L, E] -> [B, L, E]
  const char* type_name() const override { return "MultiheadAttention"; }

  int64_t embed_dim, num_heads;

 private:
  // Not registered: its weight and bias share storage with in_proj_weight / in_proj_bias,
  // so the projection runs through Linear's packed GEMM under torch's names.
  std::shared_ptr<Linear> in_proj_;
  std::shared_ptr<Linear> out_proj_;
};

// [B, L, 3E] (q | k | v, heads contiguous within each) -> q, k, v as [B * H, L, E / H].
void split_qkv_heads(float* q, float* k, float* v, const float* qkv, int64_t B, int64_t L, int64_t H, int64_t hd);
// [B * H, L, hd] -> [B, L, H * hd].
void merge_heads(float* y, const float* x, int64_t B, int64_t L, int64_t H, int64_t hd);

}  // namespace tessera::nn
