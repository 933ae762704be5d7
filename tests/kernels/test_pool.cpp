// Pooling on every path vs the ref spec over random window configs, and torch's size rules.
// Tolerances: max_pool exact (it selects an input element; NaN rule identical); argmax
// indices exact; avg / adaptive avg atol 1e-6, rtol 1e-6 (float sums of at most a few
// thousand N(0, 1) terms vs the ref's double sums, one division).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

#include "kernels/pool.h"
#include "tensor/error.h"
#include "tests/kernels/kernel_test_util.h"

using namespace tessera;
using namespace tessera::kernels;
using tessera::testing::for_each_isa;
using tessera::testing::randn;

namespace {
int64_t pick(Generator& gen, std::initializer_list<int64_t> v) { return v.begin()[gen.next_u64() % v.size()]; }
}  // namespace

TEST_CASE("pool output size follows torch, including ceil_mode windows that start in the padding") {
  // in=5, k=2, s=2, p=1, ceil: the 4th window would start at 6 - 1 = 5, inside the right
  // padding only, so torch drops it (3, not 4). Cross-checked against torch in the parity test.
  CHECK(pool_output_size(5, 2, 2, 1, 1, true) == 3);
  CHECK(pool_output_size(5, 2, 2, 1, 1, false) == 3);
  CHECK(pool_output_size(6, 3, 2, 0, 1, true) == 3);   // last window hangs over the edge: kept
  CHECK(pool_output_size(6, 3, 2, 0, 1, false) == 2);
  CHECK(pool_output_size(112, 3, 2, 1, 1, false) == 56);  // ResNet stem
  CHECK(pool_output_size(7, 3, 1, 0, 2, false) == 3);     // dilation 2: span 5
  CHECK_THROWS_WITH_AS(pool_output_size(8, 3, 1, 2, 1, false), doctest::Contains("half the kernel"), Error);
  CHECK_THROWS_WITH_AS(pool_output_size(2, 3, 1, 0, 1, false), doctest::Contains("too small"), Error);
  CHECK_THROWS_AS(pool_output_size(8, 0, 1, 0, 1, false), Error);
  CHECK_THROWS_AS(pool_output_size(8, 2, 0, 0, 1, false), Error);
}

TEST_CASE("max_pool2d and avg_pool2d: every path matches ref over random configs") {
  Generator gen(10);
  for_each_isa([&](Isa) {
    int tested = 0;
    for (int trial = 0; trial < 400; ++trial) {
      Pool2dParams p;
      p.kh = pick(gen, {1, 2, 3, 4, 5}), p.kw = pick(gen, {1, 2, 3, 5, 7});
      p.sh = pick(gen, {1, 2, 3}), p.sw = pick(gen, {1, 2, 3, 4});
      p.ph = int64_t(gen.next_u64() % (p.kh / 2 + 1)), p.pw = int64_t(gen.next_u64() % (p.kw / 2 + 1));
      p.dh = pick(gen, {1, 1, 2}), p.dw = pick(gen, {1, 1, 2, 3});
      p.ceil_mode = gen.uniform() < 0.5f;
      p.count_include_pad = gen.uniform() < 0.5f;
      p.divisor_override = gen.uniform() < 0.1f ? 7 : 0;
      const int64_t N = pick(gen, {1, 2}), C = pick(gen, {1, 3}), H = pick(gen, {1, 2, 5, 7, 13, 17, 31}),
                    W = pick(gen, {1, 3, 7, 16, 17, 33, 47, 64});
      CAPTURE(trial);
      int64_t OH, OW;
      try {
        OH = pool_output_size(H, p.kh, p.sh, p.ph, p.dh, p.ceil_mode);
        OW = pool_output_size(W, p.kw, p.sw, p.pw, p.dw, p.ceil_mode);
      } catch (const Error&) {
        continue;  // torch rejects it too
      }
      auto x = randn(gen, N * C * H * W);
      if (trial % 7 == 0) x[gen.next_u64() % x.size()] = NAN;  // torch: a NaN wins its windows
      const int64_t n = N * C * OH * OW;
      std::vector<float> want(n), got(n);
      std::vector<int64_t> wi(n), gi(n);
      for (int64_t i = 0; i < N * C; ++i)
        max_pool2d_plane_f32_ref(want.data() + i * OH * OW, wi.data() + i * OH * OW, x.data() + i * H * W, H, W,
                                 OH, OW, p);
      max_pool2d_f32(got.data(), nullptr, x.data(), N, C, H, W, p);
      TESSERA_CHECK_CLOSE(got.data(), want.data(), n, 0, 0);
      max_pool2d_f32(got.data(), gi.data(), x.data(), N, C, H, W, p);
      CHECK(gi == wi);
      ++tested;

      if (p.dh != 1 || p.dw != 1) continue;  // avg has no dilation
      OH = pool_output_size(H, p.kh, p.sh, p.ph, 1, p.ceil_mode);
      OW = pool_output_size(W, p.kw, p.sw, p.pw, 1, p.ceil_mode);
      const int64_t m = N * C * OH * OW;
      want.assign(m, 0), got.assign(m, 0);
      for (float& v : x) v = std::isnan(v) ? 0.f : v;
      for (int64_t i = 0; i < N * C; ++i)
        avg_pool2d_plane_f32_ref(want.data() + i * OH * OW, x.data() + i * H * W, H, W, OH, OW, p);
      avg_pool2d_f32(got.data(), x.data(), N, C, H, W, p);
      TESSERA_CHECK_CLOSE(got.data(), want.data(), m, 1e-6, 1e-6);
    }
    CHECK(tested > 150);
  });
}

TEST_CASE("adaptive_avg_pool2d: every path matches ref, global and uneven windows") {
  Generator gen(11);
  const int64_t cases[][4] = {{7, 7, 1, 1}, {56, 56, 1, 1}, {13, 11, 3, 4}, {5, 5, 7, 7},
                              {14, 14, 7, 7}, {1, 1, 2, 3}, {17, 33, 5, 6}, {10, 10, 3, 3}};
  for_each_isa([&](Isa) {
    for (const auto& c : cases) {
      const int64_t N = 2, C = 3, H = c[0], W = c[1], OH = c[2], OW = c[3];
      CAPTURE(H);
      CAPTURE(W);
      CAPTURE(OH);
      CAPTURE(OW);
      const auto x = randn(gen, N * C * H * W);
      std::vector<float> want(N * C * OH * OW), got(N * C * OH * OW);
      for (int64_t i = 0; i < N * C; ++i)
        adaptive_avg_pool2d_plane_f32_ref(want.data() + i * OH * OW, x.data() + i * H * W, H, W, OH, OW);
      adaptive_avg_pool2d_f32(got.data(), x.data(), N, C, H, W, OH, OW);
      TESSERA_CHECK_CLOSE(got.data(), want.data(), N * C * OH * OW, 1e-6, 1e-6);
    }
  });
  float y;
  const float x = 1.f;
  CHECK_THROWS_AS(adaptive_avg_pool2d_f32(&y, &x, 1, 1, 1, 1, 0, 1), Error);
}

TEST_CASE("adaptive_avg_pool2d to 1x1 (global pooling): every path matches ref over many planes") {
  // Global pooling sums 16 planes (AVX-512) or 8 (AVX2) per group through a transpose; 2 x 37
  // planes leave a tail of single planes on both paths. Plane sizes: 1, a partial vector (25),
  // ResNet's 7 x 7, and 23 x 23 (529: full double-vector steps, then a tail).
  Generator gen(12);
  for_each_isa([&](Isa) {
    for (const int64_t H : {1, 5, 7, 23}) {
      const int64_t N = 2, C = 37;
      CAPTURE(H);
      const auto x = randn(gen, N * C * H * H);
      std::vector<float> want(N * C), got(N * C);
      for (int64_t i = 0; i < N * C; ++i) adaptive_avg_pool2d_plane_f32_ref(want.data() + i, x.data() + i * H * H, H, H, 1, 1);
      adaptive_avg_pool2d_f32(got.data(), x.data(), N, C, H, H, 1, 1);
      TESSERA_CHECK_CLOSE(got.data(), want.data(), N * C, 1e-6, 1e-6);
    }
  });
}

TEST_CASE("avg_pool2d 2x2 stride 2 (DenseNet's transitions): every path matches ref") {
  // Rows of 70-71 floats give 2-4 whole vectors of outputs and a tail on both paths; padding,
  // ceil_mode and count_include_pad move the interior and the divisors.
  Generator gen(13);
  for_each_isa([&](Isa) {
    for (const int64_t pad : {0, 1})
      for (const bool ceil : {false, true})
        for (const int64_t W : {70, 71}) {
          Pool2dParams p;
          p.kh = p.kw = p.sh = p.sw = 2;
          p.ph = p.pw = pad;
          p.ceil_mode = ceil;
          p.count_include_pad = W == 70;
          const int64_t N = 1, C = 3, H = 9;
          CAPTURE(pad);
          CAPTURE(ceil);
          CAPTURE(W);
          const int64_t OH = pool_output_size(H, 2, 2, pad, 1, ceil), OW = pool_output_size(W, 2, 2, pad, 1, ceil);
          const auto x = randn(gen, N * C * H * W);
          std::vector<float> want(N * C * OH * OW), got(want.size());
          for (int64_t i = 0; i < N * C; ++i)
            avg_pool2d_plane_f32_ref(want.data() + i * OH * OW, x.data() + i * H * W, H, W, OH, OW, p);
          avg_pool2d_f32(got.data(), x.data(), N, C, H, W, p);
          TESSERA_CHECK_CLOSE(got.data(), want.data(), N * C * OH * OW, 1e-6, 1e-6);
        }
  });
}
