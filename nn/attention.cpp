#include "nn/attention.h"

#include <cmath>
#include <cstring>

#include "kernels/attention.h"
#include "kernels/parallel.h"
#include "nn/check.h"
#include "nn/flops.h"

namespace tessera::nn {

MultiheadAttention::MultiheadAttention(int64_t e, int64_t h, bool bias) : embed_dim(e), num_heads(h) {
  TESSERA_CHECK(e > 0 && h > 0 && e % h == 0, "MultiheadAttention: embed_dim=", e, " must be divisible by num_heads=", h);
  in_proj_ = std::make_shared<Linear>(e, 3 * e, bias);
  register_parameter("in_proj_weight", in_proj_->weight);
  if (bias) {
    in_proj_->bias->fill_(0.0);  // torch's default init
    register_parameter("in_proj_bias", *in_proj_->bias);
  }
  out_proj_ = register_module("out_proj", std::make_shared<Linear>(e, e, bias));
}

void split_qkv_heads(float* q, float* k, float* v, const float* qkv, int64_t B, int64_t L, int64_t H, int64_t hd) {
  const int64_t E = H * hd;
  float* dst[3] = {q, k, v};
  parallel_for(B * L, 16, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / L, l = r % L;
      for (int w = 0; w < 3; ++w)
        for (int64_t h = 0; h < H; ++h)
          std::memcpy(dst[w] + ((b * H + h) * L + l) * hd, qkv + r * 3 * E + w * E + h * hd, hd * sizeof(float));
    }
  });
}

void merge_heads(float* y, const float* x, int64_t B, int64_t L, int64_t H, int64_t hd) {
  parallel_for(B * L, 16, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / L, l = r % L;
      for (int64_t h = 0; h < H; ++h)
        std::memcpy(y + r * H * hd + h * hd, x + ((b * H + h) * L + l) * hd, hd * sizeof(float));
    }
  });
}

Tensor MultiheadAttention::forward(const Tensor& x) {
  check_input(x, "MultiheadAttention", 3, 2, embed_dim, "[B, L, E]");
  const int64_t B = x.size(0), L = x.size(1), H = num_heads, hd = embed_dim / num_heads;
  const Tensor qkv = in_proj_->forward(x);  // [B, L, 3E], contiguous
  Tensor q = Tensor::empty({B * H, L, hd}), k = Tensor::empty({B * H, L, hd}), v = Tensor::empty({B * H, L, hd});
  split_qkv_heads(q.data<float>(), k.data<float>(), v.data<float>(), qkv.data<float>(), B, L, H, hd);
  Tensor o = Tensor::empty({B * H, L, hd});
  const kernels::AttentionShape s{B * H, L, L, hd, hd, 1.f / std::sqrt(static_cast<float>(hd))};
  kernels::sdpa_f32(o.data<float>(), q.data<float>(), k.data<float>(), v.data<float>(), nullptr, false, s);
  add_flops(2.0 * 2.0 * B * H * L * L * hd);  // Q K^T and P V
  Tensor merged = Tensor::empty({B, L, embed_dim});
  merge_heads(merged.data<float>(), o.data<float>(), B, L, H, hd);
  return out_proj_->forward(merged);
}

}  // namespace tessera::nn
