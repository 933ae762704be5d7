// BN inference on every path vs the double-precision ref, the conv fold, and bad statistics.
// Tolerance: atol 2e-6, rtol 2e-6. The fast path is y = fma(x, scale, shift) with scale and
// shift rounded to float once each: <= ~3 roundings of terms of size |x scale| + |shift|
// (<= ~8 here), i.e. a few 1e-7 absolute even where y itself cancels to ~0.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "kernels/batchnorm.h"
#include "tensor/error.h"
#include "tests/kernels/kernel_test_util.h"

using namespace tessera;
using namespace tessera::kernels;
using tessera::testing::for_each_isa;

namespace {
struct Stats {
  std::vector<float> gamma, beta, mean, var;
};
Stats random_stats(Generator& gen, int64_t C) {
  Stats s{tessera::testing::randn(gen, C), tessera::testing::randn(gen, C), tessera::testing::randn(gen, C),
          std::vector<float>(C)};
  gen.fill_uniform(s.var.data(), C, 0.05f, 3.f);
  return s;
}
}  // namespace

TEST_CASE("batchnorm inference: every path matches ref on odd shapes, with and without ReLU") {
  Generator gen(2);
  const int64_t shapes[][3] = {{1, 1, 1}, {1, 3, 1}, {2, 3, 49}, {1, 17, 143}, {3, 5, 16},
                               {1, 7, 31}, {2, 64, 56 * 56}, {1, 13, 17}};
  for_each_isa([&](Isa) {
    for (const auto& s : shapes) {
      const int64_t N = s[0], C = s[1], HW = s[2], n = N * C * HW;
      CAPTURE(N);
      CAPTURE(C);
      CAPTURE(HW);
      const Stats st = random_stats(gen, C);
      auto x = tessera::testing::randn(gen, n, 2.f);
      for (bool relu : {false, true}) {
        CAPTURE(relu);
        std::vector<float> want(n), got(n);
        batchnorm_inference_f32_ref(want.data(), x.data(), st.gamma.data(), st.beta.data(), st.mean.data(),
                                    st.var.data(), 1e-5f, N, C, HW, relu);
        batchnorm_inference_f32(got.data(), x.data(), st.gamma.data(), st.beta.data(), st.mean.data(),
                                st.var.data(), 1e-5f, N, C, HW, relu);
        TESSERA_CHECK_CLOSE(got.data(), want.data(), n, 2e-6, 2e-6);
        // The folded form gives the same result, in place.
        std::vector<float> scale(C), shift(C), inplace = x;
        batchnorm_fold_f32(scale.data(), shift.data(), st.gamma.data(), st.beta.data(), st.mean.data(),
                           st.var.data(), 1e-5f, C);
        channel_affine_f32(inplace.data(), inplace.data(), scale.data(), shift.data(), N, C, HW, relu);
        TESSERA_CHECK_CLOSE(inplace.data(), want.data(), n, 2e-6, 2e-6);
        if (relu) CHECK(std::all_of(got.begin(), got.end(), [](float v) { return v >= 0.f; }));
      }
      // affine=False (no gamma / beta).
      std::vector<float> want(n), got(n);
      batchnorm_inference_f32_ref(want.data(), x.data(), nullptr, nullptr, st.mean.data(), st.var.data(),
                                  1e-3f, N, C, HW, false);
      batchnorm_inference_f32(got.data(), x.data(), nullptr, nullptr, st.mean.data(), st.var.data(), 1e-3f, N,
                              C, HW, false);
      TESSERA_CHECK_CLOSE(got.data(), want.data(), n, 2e-6, 2e-6);
    }
  });
}

TEST_CASE("batchnorm folded into a 1x1 conv equals conv followed by BN") {
  Generator gen(3);
  const int64_t IC = 5, OC = 7, P = 11;
  const Stats st = random_stats(gen, OC);
  auto w = tessera::testing::randn(gen, OC * IC), b = tessera::testing::randn(gen, OC),
       x = tessera::testing::randn(gen, IC * P);
  auto conv1x1 = [&](const std::vector<float>& wt, const float* bias) {  // [OC, P] in double
    std::vector<float> y(OC * P);
    for (int64_t o = 0; o < OC; ++o)
      for (int64_t p = 0; p < P; ++p) {
        double acc = bias ? bias[o] : 0.0;
        for (int64_t i = 0; i < IC; ++i) acc += double(wt[o * IC + i]) * x[i * P + p];
        y[o * P + p] = float(acc);
      }
    return y;
  };
  for (bool with_bias : {true, false}) {
    CAPTURE(with_bias);
    const float* bias = with_bias ? b.data() : nullptr;
    const auto conv = conv1x1(w, bias);
    std::vector<float> want(OC * P);
    batchnorm_inference_f32_ref(want.data(), conv.data(), st.gamma.data(), st.beta.data(), st.mean.data(),
                                st.var.data(), 1e-5f, 1, OC, P, false);
    std::vector<float> w2(OC * IC), b2(OC);
    batchnorm_fold_into_conv_f32(w2.data(), b2.data(), w.data(), bias, st.gamma.data(), st.beta.data(),
                                 st.mean.data(), st.var.data(), 1e-5f, OC, IC);
    const auto got = conv1x1(w2, b2.data());
    TESSERA_CHECK_CLOSE(got.data(), want.data(), OC * P, 1e-5, 1e-5);
  }
}

TEST_CASE("batchnorm rejects var + eps <= 0 with a message naming the channel") {
  const float mean[2] = {0, 0}, var[2] = {1, -1}, x[2] = {1, 2};
  float y[2], scale[2], shift[2];
  CHECK_THROWS_WITH_AS(batchnorm_inference_f32(y, x, nullptr, nullptr, mean, var, 1e-5f, 1, 2, 1, false),
                       doctest::Contains("var[1]"), Error);
  CHECK_THROWS_AS(batchnorm_fold_f32(scale, shift, nullptr, nullptr, mean, var, 1e-5f, 2), Error);
}
