#include "models/swin.h"

#include <cmath>
#include <cstring>

#include "kernels/attention.h"
#include "kernels/elementwise.h"
#include "kernels/parallel.h"
#include "models/families.h"
#include "nn/check.h"
#include "nn/conv.h"
#include "nn/flops.h"
#include "nn/mlp.h"
#include "nn/permute.h"

namespace tessera::models {

namespace {

Tensor add(const Tensor& a, const Tensor& b) {
  check_same_shape(a, b, "Swin residual add");
  const Tensor ac = a.contiguous(), bc = b.contiguous();
  Tensor y = Tensor::empty(a.shape());
  kernels::binary_same_f32(kernels::BinaryOp::add, y.data<float>(), ac.data<float>(), bc.data<float>(), a.numel());
  return y;
}

// The region (0, 1 or 2) of each position of a rolled, padded axis of size P, as
// torchvision labels it: slices [0, -ws), [-ws, -shift), [-shift, None) with Python's
// slice semantics, later slices overwriting earlier ones.
std::vector<int> shift_regions(int64_t P, int64_t ws, int64_t shift) {
  auto bound = [P](int64_t b) { return std::clamp<int64_t>(b < 0 ? b + P : b, 0, P); };
  const int64_t slices[3][2] = {{0, bound(-ws)}, {bound(-ws), bound(-shift)}, {bound(-shift), P}};
  std::vector<int> region(static_cast<size_t>(P), 0);
  for (int r = 0; r < 3; ++r)
    for (int64_t p = slices[r][0]; p < slices[r][1]; ++p) region[p] = r;
  return region;
}

}  // namespace

ShiftedWindowAttention::ShiftedWindowAttention(int64_t d, std::array<int64_t, 2> ws, std::array<int64_t, 2> shift,
                                               int64_t heads)
    : dim(d),
      num_heads(heads),
      window_size(ws),
      shift_size(shift),
      relative_position_bias_table(
          register_parameter("relative_position_bias_table", Tensor::zeros({(2 * ws[0] - 1) * (2 * ws[1] - 1), heads}))),
      relative_position_index(register_buffer("relative_position_index",
                                              Tensor::zeros({ws[0] * ws[1] * ws[0] * ws[1]}, DType::i32),
                                              FileDType::i64)) {
  TESSERA_CHECK(d > 0 && heads > 0 && d % heads == 0, "ShiftedWindowAttention: dim=", d,
                " must be divisible by num_heads=", heads);
  TESSERA_CHECK(ws[0] > 0 && ws[1] > 0 && shift[0] >= 0 && shift[1] >= 0, "ShiftedWindowAttention: invalid window ",
                ws[0], "x", ws[1], " or shift ", shift[0], "x", shift[1]);
  // index[i, j] = (dy + Wh - 1) * (2 Ww - 1) + (dx + Ww - 1) for tokens i, j of a window
  const int64_t N = ws[0] * ws[1];
  int32_t* index = relative_position_index.data<int32_t>();
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j < N; ++j)
      index[i * N + j] = static_cast<int32_t>((i / ws[1] - j / ws[1] + ws[0] - 1) * (2 * ws[1] - 1) +
                                              (i % ws[1] - j % ws[1] + ws[1] - 1));
  qkv_ = register_module("qkv", std::make_shared<nn::Linear>(d, 3 * d));
  proj_ = register_module("proj", std::make_shared<nn::Linear>(d, d));
}

Tensor ShiftedWindowAttention::forward(const Tensor& input) {
  nn::check_input(input, "ShiftedWindowAttention", 4, 3, dim, "[B, H, W, C]");
  const Tensor x = input.contiguous();
  const int64_t B = x.size(0), H = x.size(1), W = x.size(2), C = dim, nH = num_heads, hd = C / nH;
  const int64_t wh = window_size[0], ww = window_size[1], N = wh * ww;
  const int64_t PH = (H + wh - 1) / wh * wh, PW = (W + ww - 1) / ww * ww;  // padded to whole windows
  // A window as large as the (padded) map needs no shift.
  const int64_t sh = wh >= PH ? 0 : shift_size[0], sw = ww >= PW ? 0 : shift_size[1];
  const int64_t nWh = PH / wh, nWw = PW / ww, nW = nWh * nWw;

  // Rolled, padded windows as rows [B, nW, N, C]: token (i, j) of window (a, c) is pixel
  // ((a wh + i + sh) mod PH, (c ww + j + sw) mod PW), zero in the padding.
  Tensor windows = Tensor::empty({B * nW * N, C});
  {
    const float* xs = x.data<float>();
    float* wp = windows.data<float>();
    parallel_for(B * nW * N, 64, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t n = t % N, w = (t / N) % nW, b = t / (N * nW);
        const int64_t r = ((w / nWw) * wh + n / ww + sh) % PH, c = ((w % nWw) * ww + n % ww + sw) % PW;
        if (r < H && c < W) std::memcpy(wp + t * C, xs + ((b * H + r) * W + c) * C, C * sizeof(float));
        else std::memset(wp + t * C, 0, C * sizeof(float));
      }
    });
  }
  const Tensor qkv = qkv_->forward(windows);  // [B nW N, 3C]

  // q, k, v as [nH, nW, B, N, hd]: each (head, window) pair is B contiguous problems.
  const int64_t per = nH * nW * B * N * hd;
  std::vector<float> qkv_heads(static_cast<size_t>(3 * per));
  {
    const float* src = qkv.data<float>();
    float* dst = qkv_heads.data();
    parallel_for(B * nW * N, 64, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t n = t % N, w = (t / N) % nW, b = t / (N * nW);
        for (int64_t part = 0; part < 3; ++part)
          for (int64_t h = 0; h < nH; ++h)
            std::memcpy(dst + part * per + (((h * nW + w) * B + b) * N + n) * hd, src + t * 3 * C + part * C + h * hd,
                        hd * sizeof(float));
      }
    });
  }

  // Additive masks: the relative position bias of each head, plus -100 between tokens of
  // different roll regions when shifted; [nH, N, N] unshifted, [nH, nW, N, N] shifted.
  const bool shifted = sh + sw > 0;
  const int64_t mask_windows = shifted ? nW : 1;
  std::vector<float> masks(static_cast<size_t>(nH * mask_windows * N * N));
  {
    const float* table = relative_position_bias_table.data<float>();
    const int32_t* index = relative_position_index.data<int32_t>();
    const std::vector<int> reg_h = shift_regions(PH, wh, sh), reg_w = shift_regions(PW, ww, sw);
    for (int64_t w = 0; w < mask_windows; ++w) {
      std::vector<int> region(static_cast<size_t>(N));
      for (int64_t n = 0; n < N; ++n)
        region[n] = reg_h[(w / nWw) * wh + n / ww] * 3 + reg_w[(w % nWw) * ww + n % ww];
      for (int64_t h = 0; h < nH; ++h) {
        float* m = masks.data() + (h * mask_windows + w) * N * N;
        for (int64_t i = 0; i < N; ++i)
          for (int64_t j = 0; j < N; ++j)
            m[i * N + j] = table[index[i * N + j] * nH + h] + (shifted && region[i] != region[j] ? -100.f : 0.f);
      }
    }
  }

  std::vector<float> out(static_cast<size_t>(per));
  const float scale = 1.f / std::sqrt(static_cast<float>(hd));
  const float *q = qkv_heads.data(), *k = q + per, *v = k + per;
  if (!shifted) {
    for (int64_t h = 0; h < nH; ++h) {  // one head: nW x B problems sharing a mask
      const int64_t off = h * nW * B * N * hd;
      kernels::sdpa_f32(out.data() + off, q + off, k + off, v + off, masks.data() + h * N * N, false,
                        {nW * B, N, N, hd, hd, scale});
    }
  } else {
    parallel_for(nH * nW, 1, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {  // p = h * nW + w: B problems sharing a mask
        const int64_t off = p * B * N * hd;
        kernels::sdpa_f32(out.data() + off, q + off, k + off, v + off, masks.data() + p * N * N, false,
                          {B, N, N, hd, hd, scale});
      }
    });
  }
  nn::add_flops(2.0 * 2.0 * B * nW * nH * N * N * hd);

  Tensor merged = Tensor::empty({B * nW * N, C});
  {
    float* dst = merged.data<float>();
    parallel_for(B * nW * N, 64, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t n = t % N, w = (t / N) % nW, b = t / (N * nW);
        for (int64_t h = 0; h < nH; ++h)
          std::memcpy(dst + t * C + h * hd, out.data() + (((h * nW + w) * B + b) * N + n) * hd, hd * sizeof(float));
      }
    });
  }
  const Tensor projected = proj_->forward(merged);

  // Back to the map: undo the windows and the roll, drop the padding.
  Tensor y = Tensor::empty({B, H, W, C});
  {
    const float* src = projected.data<float>();
    float* ys = y.data<float>();
    parallel_for(B * H * W, 64, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t c = t % W, r = (t / W) % H, b = t / (H * W);
        const int64_t pr = (r - sh + PH) % PH, pc = (c - sw + PW) % PW;
        const int64_t w = (pr / wh) * nWw + pc / ww, n = (pr % wh) * ww + pc % ww;
        std::memcpy(ys + t * C, src + ((b * nW + w) * N + n) * C, C * sizeof(float));
      }
    });
  }
  return y;
}

SwinTransformerBlock::SwinTransformerBlock(int64_t dim, int64_t heads, std::array<int64_t, 2> ws,
                                           std::array<int64_t, 2> shift, float mlp_ratio, float eps) {
  norm1_ = register_module("norm1", std::make_shared<nn::LayerNorm>(dim, eps));
  attn_ = register_module("attn", std::make_shared<ShiftedWindowAttention>(dim, ws, shift, heads));
  norm2_ = register_module("norm2", std::make_shared<nn::LayerNorm>(dim, eps));
  mlp_ = register_module("mlp", nn::make_gelu_mlp(dim, static_cast<int64_t>(dim * mlp_ratio), dim));
}

Tensor SwinTransformerBlock::forward(const Tensor& x) {
  const Tensor y = add(x, attn_->forward(norm1_->forward(x)));
  return add(y, mlp_->forward(norm2_->forward(y)));
}

PatchMerging::PatchMerging(int64_t dim, float eps) {
  reduction_ = register_module("reduction", std::make_shared<nn::Linear>(4 * dim, 2 * dim, false));
  norm_ = register_module("norm", std::make_shared<nn::LayerNorm>(4 * dim, eps));
}

Tensor PatchMerging::forward(const Tensor& input) {
  const int64_t C = reduction_->in_features / 4;
  nn::check_input(input, "PatchMerging", 4, 3, C, "[B, H, W, C]");
  const Tensor x = input.contiguous();
  const int64_t B = x.size(0), H = x.size(1), W = x.size(2), H2 = (H + 1) / 2, W2 = (W + 1) / 2;
  // [x0 x1 x2 x3] = pixels (2i, 2j), (2i+1, 2j), (2i, 2j+1), (2i+1, 2j+1), torchvision's order
  Tensor cat = Tensor::empty({B, H2, W2, 4 * C});
  const float* xs = x.data<float>();
  float* cs = cat.data<float>();
  parallel_for(B * H2 * W2, 64, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t j = t % W2, i = (t / W2) % H2, b = t / (H2 * W2);
      for (int64_t part = 0; part < 4; ++part) {
        const int64_t r = 2 * i + part % 2, c = 2 * j + part / 2;
        float* dst = cs + t * 4 * C + part * C;
        if (r < H && c < W) std::memcpy(dst, xs + ((b * H + r) * W + c) * C, C * sizeof(float));
        else std::memset(dst, 0, C * sizeof(float));
      }
    }
  });
  return reduction_->forward(norm_->forward(cat));
}

SwinTransformer::SwinTransformer(const SwinConfig& c) {
  TESSERA_CHECK(!c.depths.empty() && c.depths.size() == c.num_heads.size(), "SwinTransformer: ", c.depths.size(),
                " stage depths but ", c.num_heads.size(), " head counts");
  TESSERA_CHECK(c.patch_size[0] == c.patch_size[1] && c.patch_size[0] > 0,
                "SwinTransformer: only square patches are supported, got ", c.patch_size[0], "x", c.patch_size[1]);
  TESSERA_CHECK(c.num_classes > 0, "SwinTransformer: num_classes must be positive, got ", c.num_classes);
  features_ = register_module("features", std::make_shared<nn::Sequential>());
  const int64_t p = c.patch_size[0];
  features_->push_back(std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Conv2d>(3, c.embed_dim, p, nn::Conv2dOptions{p, 0}),
      std::make_shared<nn::Permute>(Shape{0, 2, 3, 1}), std::make_shared<nn::LayerNorm>(c.embed_dim, c.norm_eps)}));
  const std::array<int64_t, 2> no_shift{0, 0}, half_shift{c.window_size[0] / 2, c.window_size[1] / 2};
  int64_t dim = c.embed_dim;
  for (size_t s = 0; s < c.depths.size(); ++s) {
    auto stage = std::make_shared<nn::Sequential>();
    for (int64_t i = 0; i < c.depths[s]; ++i)
      stage->push_back(std::make_shared<SwinTransformerBlock>(dim, c.num_heads[s], c.window_size,
                                                              i % 2 == 0 ? no_shift : half_shift, c.mlp_ratio,
                                                              c.norm_eps));
    features_->push_back(stage);
    if (s + 1 < c.depths.size()) {
      features_->push_back(std::make_shared<PatchMerging>(dim, c.norm_eps));
      dim *= 2;
    }
  }
  norm_ = register_module("norm", std::make_shared<nn::LayerNorm>(dim, c.norm_eps));
  head_ = register_module("head", std::make_shared<nn::Linear>(dim, c.num_classes));
}

Tensor SwinTransformer::forward(const Tensor& x) {
  TESSERA_CHECK(x.defined() && x.dim() == 4 && x.size(1) == 3, "SwinTransformer: expected input [N, 3, H, W], got ",
                x.defined() ? shape_str(x.shape()) : std::string("undefined"));
  const Tensor f = norm_->forward(features_->forward(x));  // [B, H, W, C]
  // permute + AdaptiveAvgPool2d(1) + flatten: the mean over H, W of NHWC
  const int64_t B = f.size(0), HW = f.size(1) * f.size(2), C = f.size(3);
  Tensor pooled = Tensor::zeros({B, C});
  for (int64_t b = 0; b < B; ++b) {
    float* dst = pooled.data<float>() + b * C;
    const float* src = f.data<float>() + b * HW * C;
    for (int64_t p = 0; p < HW; ++p)
      for (int64_t ch = 0; ch < C; ++ch) dst[ch] += src[p * C + ch];
    for (int64_t ch = 0; ch < C; ++ch) dst[ch] /= static_cast<float>(HW);
  }
  return head_->forward(pooled);
}

namespace {
std::shared_ptr<SwinTransformer> make_swin(int64_t embed_dim, std::vector<int64_t> depths, std::vector<int64_t> heads,
                                           int64_t num_classes) {
  SwinConfig c;
  c.embed_dim = embed_dim, c.depths = std::move(depths), c.num_heads = std::move(heads), c.num_classes = num_classes;
  return std::make_shared<SwinTransformer>(c);
}
}  // namespace

std::shared_ptr<SwinTransformer> swin_t(int64_t n) { return make_swin(96, {2, 2, 6, 2}, {3, 6, 12, 24}, n); }
std::shared_ptr<SwinTransformer> swin_s(int64_t n) { return make_swin(96, {2, 2, 18, 2}, {3, 6, 12, 24}, n); }
std::shared_ptr<SwinTransformer> swin_b(int64_t n) { return make_swin(128, {2, 2, 18, 2}, {4, 8, 16, 32}, n); }

void add_swin_models(std::vector<ModelInfo>& zoo) {
  zoo.push_back({"swin_t", [](int64_t n) { return swin_t(n); }, "swin_t-704ceda3.pth", 232, 224, true});
  zoo.push_back({"swin_s", [](int64_t n) { return swin_s(n); }, "swin_s-5e29d889.pth", 246, 224, true});
  zoo.push_back({"swin_b", [](int64_t n) { return swin_b(n); }, "swin_b-68c6b09e.pth", 238, 224, true});
}

}  // namespace tessera::models
