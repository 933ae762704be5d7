// LayerNorm (rows) and LayerNorm2d (over C of NCHW) on every path vs the double ref.
// Tolerance: atol 3e-6, rtol 2e-6 on y (float two-pass moments: mean and rstd within a few
// 1e-7 relative; |(x - mean) rstd| <= ~5 then one fma with gamma, beta ~ N(0, 1));
// mean atol 1e-6 (+ rtol 1e-6), rstd rtol 2e-6.
#include <doctest/doctest.h>

#include "kernels/layernorm.h"
#include "tests/kernels/kernel_test_util.h"

using namespace tessera;
using namespace tessera::kernels;
using tessera::testing::for_each_isa;
using tessera::testing::randn;

TEST_CASE("layernorm over the last dim: every path matches ref, with and without affine") {
  Generator gen(5);
  const int64_t shapes[][2] = {{1, 1}, {3, 2}, {5, 15}, {7, 16}, {2, 17}, {197, 768}, {3, 97}, {4, 1001}};
  for_each_isa([&](Isa) {
    for (const auto& s : shapes) {
      const int64_t rows = s[0], C = s[1], n = rows * C;
      CAPTURE(rows);
      CAPTURE(C);
      auto x = randn(gen, n, 3.f);
      for (float& v : x) v += 4.f;  // a mean far from 0 (where one-pass variance would fail)
      const auto gamma = randn(gen, C), beta = randn(gen, C);
      for (bool affine : {true, false}) {
        CAPTURE(affine);
        const float* g = affine ? gamma.data() : nullptr;
        const float* b = affine ? beta.data() : nullptr;
        std::vector<float> want(n), got(n), wm(rows), wr(rows), gm(rows), gr(rows);
        layernorm_f32_ref(want.data(), wm.data(), wr.data(), x.data(), g, b, rows, C, 1e-6f);
        layernorm_f32(got.data(), gm.data(), gr.data(), x.data(), g, b, rows, C, 1e-6f);
        TESSERA_CHECK_CLOSE(got.data(), want.data(), n, 3e-6, 2e-6);
        TESSERA_CHECK_CLOSE(gm.data(), wm.data(), rows, 1e-6, 1e-6);
        if (C > 1) TESSERA_CHECK_CLOSE(gr.data(), wr.data(), rows, 0, 2e-6);
        auto inplace = x;  // in place, no saved statistics
        layernorm_f32(inplace.data(), nullptr, nullptr, inplace.data(), g, b, rows, C, 1e-6f);
        TESSERA_CHECK_CLOSE(inplace.data(), want.data(), n, 3e-6, 2e-6);
      }
    }
  });
}

TEST_CASE("layernorm2d over C of NCHW: every path matches ref on odd pixel counts") {
  Generator gen(6);
  const int64_t shapes[][3] = {{1, 1, 1}, {1, 3, 1}, {2, 5, 7}, {1, 96, 56 * 56}, {2, 17, 33}, {3, 8, 16}, {1, 4, 17}};
  for_each_isa([&](Isa) {
    for (const auto& s : shapes) {
      const int64_t N = s[0], C = s[1], HW = s[2], n = N * C * HW;
      CAPTURE(N);
      CAPTURE(C);
      CAPTURE(HW);
      const auto x = randn(gen, n, 2.f), gamma = randn(gen, C), beta = randn(gen, C);
      std::vector<float> want(n), got(n), wm(N * HW), wr(N * HW), gm(N * HW), gr(N * HW);
      layernorm2d_f32_ref(want.data(), wm.data(), wr.data(), x.data(), gamma.data(), beta.data(), N, C, HW, 1e-6f);
      layernorm2d_f32(got.data(), gm.data(), gr.data(), x.data(), gamma.data(), beta.data(), N, C, HW, 1e-6f);
      TESSERA_CHECK_CLOSE(got.data(), want.data(), n, 3e-6, 2e-6);
      TESSERA_CHECK_CLOSE(gm.data(), wm.data(), N * HW, 1e-6, 1e-6);
      if (C > 1) TESSERA_CHECK_CLOSE(gr.data(), wr.data(), N * HW, 0, 2e-6);
    }
  });
}

TEST_CASE("layernorm2d equals layernorm on the NHWC transpose") {
  Generator gen(7);
  const int64_t N = 2, C = 6, HW = 5;
  const auto x = randn(gen, N * C * HW), gamma = randn(gen, C), beta = randn(gen, C);
  std::vector<float> nhwc(N * HW * C), y2d(N * C * HW), y(N * HW * C);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t p = 0; p < HW; ++p) nhwc[(n * HW + p) * C + c] = x[(n * C + c) * HW + p];
  layernorm2d_f32(y2d.data(), nullptr, nullptr, x.data(), gamma.data(), beta.data(), N, C, HW, 1e-6f);
  layernorm_f32(y.data(), nullptr, nullptr, nhwc.data(), gamma.data(), beta.data(), N * HW, C, 1e-6f);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t p = 0; p < HW; ++p)
        CHECK(y2d[(n * C + c) * HW + p] == doctest::Approx(y[(n * HW + p) * C + c]).epsilon(1e-5));
}
