// Every activation path vs the ref kernel, on lengths with tails, and the edge values.
// Tolerances (|fast - ref| <= atol + rtol |ref|):
//   relu, relu6, hardswish, hardsigmoid: exact (the same IEEE operations in the same order).
//   sigmoid, silu:       atol 1e-7, rtol 4e-7  (vector exp <= 2 ulp, then one division).
//   gelu, gelu_tanh:     atol 6e-7, rtol 1e-6. ref rounds 1 + erf(z) (1 + tanh(u)) to float,
//                        an absolute error of ulp(1)/2 = 6e-8, times 0.5|x| <= 10 before both
//                        saturate; the fast paths' erfc / sigmoid forms are more accurate.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "kernels/activation.h"
#include "tests/kernels/kernel_test_util.h"

using namespace tessera;
using namespace tessera::kernels;
using tessera::testing::for_each_isa;

namespace {

struct Tol {
  double atol, rtol;
};
Tol tolerance(Activation a) {
  switch (a) {
    case Activation::relu:
    case Activation::relu6:
    case Activation::hardswish:
    case Activation::hardsigmoid: return {0, 0};
    case Activation::sigmoid:
    case Activation::silu: return {1e-7, 4e-7};
    case Activation::gelu:
    case Activation::gelu_tanh: return {6e-7, 1e-6};
  }
  return {0, 0};
}

const Activation kAll[] = {Activation::relu,  Activation::relu6,     Activation::gelu,
                           Activation::gelu_tanh, Activation::silu,  Activation::hardswish,
                           Activation::hardsigmoid, Activation::sigmoid};

}  // namespace

TEST_CASE("activations: every path matches ref on random data with tails") {
  Generator gen(1);
  for_each_isa([&](Isa) {
    for (Activation act : kAll) {
      const std::string act_name = activation_name(act);
      CAPTURE(act_name);
      for (int64_t n : {1, 7, 15, 16, 17, 31, 33, 97, 1000, 4099, 70001}) {
        CAPTURE(n);
        auto x = tessera::testing::randn(gen, n, 4.f);  // wide enough to reach saturation
        std::vector<float> want(n), got(n, -99.f);
        activation_f32_ref(act, want.data(), x.data(), n);
        activation_f32(act, got.data(), x.data(), n);
        const Tol t = tolerance(act);
        TESSERA_CHECK_CLOSE(got.data(), want.data(), n, t.atol, t.rtol);
        activation_f32(act, x.data(), x.data(), n);  // in place
        TESSERA_CHECK_CLOSE(x.data(), want.data(), n, t.atol, t.rtol);
      }
    }
  });
}

TEST_CASE("activations: edge values (inf, huge, tiny, signed zero, NaN) agree with ref") {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> x = {0.f, -0.f, 1e-30f, -1e-30f, 1e-3f, -1e-3f, 2.9999f, -3.f, 3.f, 6.f, -6.f,
                          10.f, -10.f, 30.f, -30.f, 87.f, -87.f, 89.f, -89.f, 100.f, -100.f, 1e20f,
                          -1e20f, inf, -inf};
  for (float v = -12.f; v <= 12.f; v += 0.0625f) x.push_back(v);
  const int64_t n = static_cast<int64_t>(x.size());
  for_each_isa([&](Isa) {
    for (Activation act : kAll) {
      const std::string act_name = activation_name(act);
      CAPTURE(act_name);
      std::vector<float> want(n), got(n);
      activation_f32_ref(act, want.data(), x.data(), n);
      activation_f32(act, got.data(), x.data(), n);
      const Tol t = tolerance(act);
      TESSERA_CHECK_CLOSE(got.data(), want.data(), n, t.atol, t.rtol);
      // NaN in, NaN out on every path (torch propagates NaN through all of these).
      const float nan = std::numeric_limits<float>::quiet_NaN();
      float y = 0;
      activation_f32(act, &y, &nan, 1);
      CHECK(std::isnan(y));
    }
  });
}

TEST_CASE("activations: the closeness check itself fails on a 1-ulp-off relu") {
  // Guards against a tolerance helper that passes everything.
  const float a = 1.f, b = std::nextafter(1.f, 2.f);
  CHECK(tessera::testing::closeness(&a, &b, 1, 0, 0).worst_ratio > 1.0);
}
