// softmax / log_softmax on every path vs the double-precision ref.
// Tolerances: softmax atol 1e-7, rtol 2e-6 (vector exp <= 2 ulp, float row sum of up to
// ~4K terms in 32 partial sums, one reciprocal); log_softmax atol 2e-6, rtol 1e-6 (the log of
// that sum is off by ~1e-6 absolute, then x - max is exact).
#include <doctest/doctest.h>

#include <cmath>
#include <numeric>

#include "kernels/softmax.h"
#include "tests/kernels/kernel_test_util.h"

using namespace tessera;
using namespace tessera::kernels;
using tessera::testing::for_each_isa;

TEST_CASE("softmax and log_softmax: every path matches ref on odd shapes, in place too") {
  Generator gen(4);
  const int64_t shapes[][2] = {{1, 1}, {3, 1}, {1, 2}, {5, 15}, {7, 16}, {2, 17}, {4, 31}, {3, 33},
                               {12, 197}, {2, 1000}, {1, 4099}};
  for_each_isa([&](Isa) {
    for (const auto& s : shapes) {
      const int64_t rows = s[0], cols = s[1], n = rows * cols;
      CAPTURE(rows);
      CAPTURE(cols);
      for (float scale : {1.f, 30.f}) {  // 30: large logits, where the max shift matters
        auto x = tessera::testing::randn(gen, n, scale);
        std::vector<float> want(n), got(n);
        softmax_f32_ref(want.data(), x.data(), rows, cols);
        softmax_f32(got.data(), x.data(), rows, cols);
        TESSERA_CHECK_CLOSE(got.data(), want.data(), n, 1e-7, 2e-6);
        for (int64_t r = 0; r < rows; ++r)  // rows sum to 1
          CHECK(std::accumulate(got.begin() + r * cols, got.begin() + (r + 1) * cols, 0.0) ==
                doctest::Approx(1.0).epsilon(1e-5));
        log_softmax_f32_ref(want.data(), x.data(), rows, cols);
        log_softmax_f32(got.data(), x.data(), rows, cols);
        TESSERA_CHECK_CLOSE(got.data(), want.data(), n, 2e-6, 1e-6);
        log_softmax_f32(x.data(), x.data(), rows, cols);  // in place
        TESSERA_CHECK_CLOSE(x.data(), want.data(), n, 2e-6, 1e-6);
      }
    }
  });
}

TEST_CASE("softmax is stable for huge logits and exact for -inf entries") {
  const float inf = INFINITY;
  const std::vector<float> x = {1e30f, 1e30f, -inf, 0.f, 1000.f, 1001.f, -inf, -inf};  // two rows of 4
  for_each_isa([&](Isa) {
    std::vector<float> y(8), l(8);
    softmax_f32(y.data(), x.data(), 2, 4);
    CHECK(y[0] == doctest::Approx(0.5));
    CHECK(y[1] == doctest::Approx(0.5));
    CHECK(y[2] == 0.f);
    CHECK(y[3] == 0.f);
    CHECK(y[5] == doctest::Approx(1 / (1 + std::exp(-1.0))));
    CHECK(y[6] == 0.f);
    log_softmax_f32(l.data(), x.data(), 2, 4);
    CHECK(l[2] == -inf);
    CHECK(l[5] == doctest::Approx(-std::log1p(std::exp(-1.0))));
  });
}
