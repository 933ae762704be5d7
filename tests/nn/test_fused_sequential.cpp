// FusedSequential (conv -> BN -> activation runs folded into one conv) and SqueezeExcitation
// against the same modules run one by one, and their torch names.
#include <doctest/doctest.h>

#include "kernels/elementwise.h"
#include "models/mobilenet.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/conv.h"
#include "nn/fused_sequential.h"
#include "nn/init.h"
#include "nn/pooling.h"
#include "nn/squeeze_excitation.h"
#include "tensor/rng.h"

using namespace tessera;

namespace {

std::shared_ptr<nn::BatchNorm2d> perturbed_bn(int64_t c, Generator& g) {
  auto bn = std::make_shared<nn::BatchNorm2d>(c);
  g.fill_uniform(bn->weight.data<float>(), c, 0.5f, 1.5f);
  g.fill_normal(bn->bias.data<float>(), c);
  g.fill_normal(bn->running_mean.data<float>(), c);
  g.fill_uniform(bn->running_var.data<float>(), c, 0.5f, 2.f);
  return bn;
}

}  // namespace

TEST_CASE("FusedSequential equals its children run one by one (BN folded, ReLU6/Hardswish fused)") {
  nn::manual_seed(5);
  Generator g(2);
  nn::FusedSequential seq(std::vector<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Conv2d>(4, 6, 3, nn::Conv2dOptions{1, 1}), perturbed_bn(6, g),
      std::make_shared<nn::ReLU6>(),                                        // conv + bn + relu6
      std::make_shared<nn::Conv2d>(6, 6, 3, nn::Conv2dOptions{2, 1, 1, 6}),  // depthwise, no BN
      std::make_shared<nn::Hardswish>(),                                    // in place after a conv
      std::make_shared<nn::MaxPool2d>(2), std::make_shared<nn::Hardswish>(),  // not after a conv
      std::make_shared<nn::Conv2d>(6, 3, 1), perturbed_bn(3, g)});
  const Tensor x = Tensor::randn({2, 4, 9, 10}, g);
  const Tensor fused = seq.forward(x);
  const Tensor ref = seq.nn::Sequential::forward(x);
  REQUIRE(fused.shape() == ref.shape());
  CHECK(max_abs_diff(fused, ref) < 2e-5);
  CHECK(seq.state_dict().names().front() == "0.weight");
}

TEST_CASE("SqueezeExcitation: x * hardsigmoid(fc2(relu(fc1(avgpool(x))))), torchvision's names") {
  nn::manual_seed(6);
  Generator g(3);
  nn::SqueezeExcitation se(8, 4, kernels::Activation::relu, kernels::Activation::hardsigmoid);
  CHECK(se.state_dict().names() == std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"});
  const Tensor x = Tensor::randn({2, 8, 5, 7}, g);
  const Tensor y = se.forward(x);
  nn::Conv2d& fc1 = dynamic_cast<nn::Conv2d&>(se.child("fc1"));
  nn::Conv2d& fc2 = dynamic_cast<nn::Conv2d&>(se.child("fc2"));
  const Tensor s = nn::Hardsigmoid().forward(fc2.forward(nn::ReLU().forward(fc1.forward(nn::AdaptiveAvgPool2d(1).forward(x)))));
  double worst = 0;
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 8; ++c)
      for (int64_t p = 0; p < 35; ++p) {
        const int64_t i = (n * 8 + c) * 35 + p;
        worst = std::max(worst, std::abs(y.get(i) - x.get(i) * s.get(n * 8 + c)));
      }
  CHECK(worst < 1e-6);
  CHECK_THROWS_AS(se.forward(Tensor::zeros({1, 3, 4, 4})), Error);
}

TEST_CASE("make_divisible rounds as torchvision's _make_divisible") {
  CHECK(models::make_divisible(32, 8) == 32);
  CHECK(models::make_divisible(72 / 4, 8) == 24);   // 18 -> 16 is > 10% down -> 24
  CHECK(models::make_divisible(120 / 4, 8) == 32);  // 30 -> 32
  CHECK(models::make_divisible(3, 8) == 8);         // never below the divisor
  CHECK(models::make_divisible(32 * 0.75, 8) == 24);
}
