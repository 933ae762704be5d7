// LayerNorm / LayerNorm2d / MultiheadAttention / Permute: torch names, input checks, and
// the identities their forward must satisfy (values vs PyTorch: tests/parity/test_zoo_tf_parity.cpp).
#include <doctest/doctest.h>

#include <cmath>

#include "models/swin.h"
#include "nn/attention.h"
#include "nn/layernorm.h"
#include "nn/permute.h"
#include "tensor/rng.h"

using namespace tessera;

TEST_CASE("MultiheadAttention: torch's parameter names; in_proj shares storage with the packed projection") {
  nn::MultiheadAttention mha(8, 2);
  CHECK(mha.state_dict().names() ==
        std::vector<std::string>{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"});
  CHECK(mha.num_parameters() == 3 * 8 * 8 + 3 * 8 + 8 * 8 + 8);
  CHECK_THROWS_AS(nn::MultiheadAttention(10, 3), Error);
  CHECK_THROWS_WITH_AS(mha.forward(Tensor::zeros({2, 5, 7})), "MultiheadAttention: expected input [B, L, E] with 8 at dim 2, got [2, 5, 7]", Error);
  // Zero weights but for out_proj.bias: the output is that bias everywhere, so a load reached the kernel.
  StateDict sd = mha.state_dict();
  for (const StateEntry& e : sd) sd.set(e.name, Tensor::zeros(e.tensor.shape()));
  sd.set("out_proj.bias", Tensor::full({8}, 0.25));
  mha.load_state_dict(sd);
  Generator gen(3);
  const Tensor y = mha.forward(Tensor::randn({2, 5, 8}, gen));
  for (int64_t i = 0; i < y.numel(); ++i) CHECK(y.get(i) == doctest::Approx(0.25));
}

TEST_CASE("LayerNorm normalises the last dim; LayerNorm2d the channels of NCHW, as Permute + LayerNorm") {
  Generator gen(5);
  const Tensor x = Tensor::randn({2, 6, 3, 4}, gen);
  nn::LayerNorm2d ln2d(6);
  nn::LayerNorm ln(6, 1e-6f);
  CHECK(ln.state_dict().names() == std::vector<std::string>{"weight", "bias"});
  const Tensor a = ln2d.forward(x);
  const Tensor b = nn::Permute({0, 3, 1, 2}).forward(ln.forward(nn::Permute({0, 2, 3, 1}).forward(x)));
  CHECK(max_abs_diff(a, b) < 1e-6);
  const Tensor row = ln.forward(Tensor::randn({1, 6}, gen));
  double mean = 0;
  for (int64_t i = 0; i < 6; ++i) mean += row.get(i) / 6;
  CHECK(std::fabs(mean) < 1e-6);
  CHECK_THROWS_WITH_AS(ln.forward(Tensor::zeros({2, 5})), "LayerNorm: expected input [..., 6], got [2, 5]", Error);
  CHECK(nn::LayerNorm(6, 1e-5f, false).state_dict().empty());  // elementwise_affine=False
}

TEST_CASE("Swin: relative_position_index is torchvision's int64 buffer; bad configurations are refused") {
  models::ShiftedWindowAttention attn(8, {2, 3}, {1, 1}, 2);
  const StateDict sd = attn.state_dict();
  CHECK(sd.names() == std::vector<std::string>{"relative_position_bias_table", "relative_position_index",
                                               "qkv.weight", "qkv.bias", "proj.weight", "proj.bias"});
  CHECK(sd.find("relative_position_index")->file_dtype == FileDType::i64);
  CHECK(sd.at("relative_position_bias_table").shape() == Shape{3 * 5, 2});
  // tokens 0 = (0, 0) and 5 = (1, 2): index = (dy + 1) * 5 + (dx + 2), torchvision's formula
  CHECK(sd.at("relative_position_index").get(0 * 6 + 5) == 0);
  CHECK(sd.at("relative_position_index").get(5 * 6 + 0) == (1 + 1) * 5 + (2 + 2));
  models::SwinConfig c;
  c.num_heads = {3, 6};
  CHECK_THROWS_AS(models::SwinTransformer{c}, Error);
}
