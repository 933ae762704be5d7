// Module mechanics: names and order of state_dict, strict/non-strict loading, input checks,
// BN folding equals conv followed by BN.
#include <doctest/doctest.h>

#include <cmath>

#include "models/resnet.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/container.h"
#include "nn/flops.h"
#include "nn/conv.h"
#include "nn/init.h"
#include "nn/linear.h"
#include "tensor/rng.h"

using namespace tessera;

TEST_CASE("state_dict: torch names and order (own parameters, buffers, then children)") {
  auto seq = std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Conv2d>(3, 4, 3), std::make_shared<nn::BatchNorm2d>(4), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(4, 2)});
  const StateDict sd = seq->state_dict();
  const std::vector<std::string> want = {"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                         "1.running_var", "1.num_batches_tracked", "3.weight", "3.bias"};
  CHECK(sd.names() == want);
  CHECK(sd.find("1.num_batches_tracked")->file_dtype == FileDType::i64);
  CHECK(seq->num_parameters() == 4 * 3 * 9 + 4 + 4 + 4 + 2 * 4 + 2);
  auto r18 = models::resnet18();
  const auto names = r18->state_dict().names();
  CHECK(names.size() == 122);  // torchvision resnet18().state_dict() has 122 entries
  CHECK(names.front() == "conv1.weight");
  CHECK(names[6] == "layer1.0.conv1.weight");
  CHECK(names.back() == "fc.bias");
}

TEST_CASE("load_state_dict copies values and converts dtypes; non-strict skips missing keys") {
  nn::Linear a(3, 2), b(3, 2);
  a.load_state_dict(b.state_dict());
  CHECK(max_abs_diff(a.weight, b.weight) == 0.0);
  StateDict partial;
  partial.add("weight", Tensor::full({2, 3}, 0.5));
  CHECK_THROWS_WITH_AS(a.load_state_dict(partial, true), "load_state_dict(Linear): missing keys: bias;", Error);
  const auto skipped = a.load_state_dict(partial, false);
  CHECK(skipped == std::vector<std::string>{"bias"});
  CHECK(a.weight.get(5) == 0.5);
}

TEST_CASE("Linear: few and many rows both give x W^T + b, and follow new weights after load_state_dict") {
  // Few rows run W packed as the GEMM's A, many (>= 32) W^T packed as its B; both caches
  // are rebuilt when load_state_dict changes the weights.
  nn::Linear fc(37, 45);
  Generator g(3);
  for (const int64_t rows : {int64_t(3), int64_t(40), int64_t(5)}) {  // and back to few rows
    CAPTURE(rows);
    Tensor x = Tensor::empty({rows, 37});
    g.fill_normal(x.data<float>(), x.numel());
    for (int round = 0; round < 2; ++round) {
      CAPTURE(round);
      if (round == 1) {  // new weights: the packed copies must follow
        StateDict sd;
        Tensor w = Tensor::empty({45, 37}), b = Tensor::empty({45});
        g.fill_normal(w.data<float>(), w.numel());
        g.fill_normal(b.data<float>(), b.numel());
        sd.add("weight", w);
        sd.add("bias", b);
        fc.load_state_dict(sd);
      }
      const Tensor y = fc.forward(x);
      double worst = 0;
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t o = 0; o < 45; ++o) {
          double want = fc.bias->data<float>()[o], mag = std::fabs(want);
          for (int64_t k = 0; k < 37; ++k) {
            const double t = double(x.data<float>()[i * 37 + k]) * fc.weight.data<float>()[o * 37 + k];
            want += t;
            mag += std::fabs(t);
          }
          worst = std::max(worst, std::fabs(y.data<float>()[i * 45 + o] - want) / (mag * 40 * 0x1p-24 + 1e-30));
        }
      CHECK(worst <= 1.0);  // within the float dot-product bound (K + 3 roundings)
    }
  }
}

TEST_CASE("modules reject inputs of the wrong shape with one clear line") {
  nn::Conv2d conv(3, 8, 3);
  CHECK_THROWS_WITH_AS(conv.forward(Tensor::zeros({1, 4, 8, 8})),
                       "Conv2d: expected input [N, C, H, W] with 3 at dim 1, got [1, 4, 8, 8]", Error);
  nn::Linear fc(16, 4);
  CHECK_THROWS_WITH_AS(fc.forward(Tensor::zeros({2, 15})), "Linear: expected input [..., 16], got [2, 15]", Error);
  CHECK(fc.forward(Tensor::zeros({2, 5, 16})).shape() == Shape{2, 5, 4});
  auto r = models::resnet18(10);
  CHECK_THROWS_AS(r->forward(Tensor::zeros({1, 1, 32, 32})), Error);
  nn::Dropout d;
  d.train();
  CHECK_THROWS_AS(d.forward(Tensor::zeros({1})), Error);
  d.eval();
  CHECK(d.forward(Tensor::ones({3})).get(2) == 1.0);
}

TEST_CASE("Conv2d.forward_fused(bn, relu) equals relu(bn(conv(x)))") {
  nn::manual_seed(3);
  nn::Conv2d conv(5, 7, 3, nn::Conv2dOptions{2, 1, 1, 1, true});
  nn::BatchNorm2d bn(7);
  Generator g(1);
  g.fill_uniform(bn.weight.data<float>(), 7, 0.5f, 1.5f);
  g.fill_normal(bn.bias.data<float>(), 7);
  g.fill_normal(bn.running_mean.data<float>(), 7);
  g.fill_uniform(bn.running_var.data<float>(), 7, 0.5f, 2.f);
  const Tensor x = Tensor::randn({2, 5, 11, 13}, g);
  const Tensor fused = conv.forward_fused(x, &bn, kernels::FusedActivation::relu);
  const Tensor ref = nn::ReLU().forward(bn.forward(conv.forward(x)));
  // folding reassociates (w*s)x vs (wx)*s: a few ulps of |y| ~ 1-5
  CHECK(max_abs_diff(fused, ref) < 2e-5);
}

TEST_CASE("FlopCounter: ResNet-18 at 224x224 is 2 x the 1.814 GMACs torchvision's weights meta lists") {
  auto r = models::resnet18();
  nn::FlopCounter count;
  r->forward(Tensor::zeros({1, 3, 224, 224}));
  CHECK(count.total() / 1e9 == doctest::Approx(2 * 1.814).epsilon(0.001));
}

TEST_CASE("SkipInit: init_uniform_fan_in leaves tensors alone while one is alive, and only then") {
  Tensor t = Tensor::full({64}, 7.0);
  {
    nn::SkipInit outer;
    {
      nn::SkipInit inner;  // guards nest
      nn::init_uniform_fan_in(t, 16);
    }
    nn::init_uniform_fan_in(t, 16);
    for (int64_t i = 0; i < t.numel(); ++i) REQUIRE(t.data<float>()[i] == 7.f);
  }
  nn::init_uniform_fan_in(t, 16);  // U(-1/4, 1/4)
  int64_t changed = 0;
  for (int64_t i = 0; i < t.numel(); ++i) {
    REQUIRE(std::abs(t.data<float>()[i]) <= 0.25f);
    changed += t.data<float>()[i] != 0.f;
  }
  CHECK(changed == t.numel());
}

TEST_CASE("load_state_dict(assign): contiguous entries of the right dtype become the parameters, others are copied") {
  nn::manual_seed(5);
  nn::Linear a(3, 4), b(3, 4);
  Generator g(2);
  StateDict sd;
  sd.add("weight", Tensor::randn({3, 4}, g).transpose(0, 1));  // [4, 3], not contiguous: copied
  sd.add("bias", Tensor::randn({4}, g));                       // contiguous f32: shared
  b.load_state_dict(sd, true);
  a.load_state_dict(sd, true, /*assign=*/true);
  CHECK(a.bias->data<float>() == sd.at("bias").data<float>());
  CHECK(a.weight.data<float>() != sd.at("weight").data<float>());
  CHECK(a.weight.is_contiguous());
  const Tensor x = Tensor::randn({2, 3}, g);
  CHECK(max_abs_diff(a.forward(x), b.forward(x)) == 0.0);
  // The same checks as without assign, before anything is taken.
  StateDict wrong;
  wrong.add("weight", Tensor::zeros({3, 3}));
  wrong.add("bias", Tensor::zeros({4}));
  const float* before = a.bias->data<float>();
  CHECK_THROWS_WITH_AS(a.load_state_dict(wrong, true, true), doctest::Contains("size mismatch for weight"), Error);
  CHECK(a.bias->data<float>() == before);
}
