// bmm and fused attention vs their references.
//
// Attention tolerance: ref computes scores and softmax in double. The fast path's
// score error is ~D * 2^-24 * |q||k| * scale (<= ~1e-5 for N(0,1) inputs, D <= 128),
// which moves each probability by about that relative amount; the output is a convex
// combination of V rows, so |out - ref| <= 1e-5 * max|v| (measured: ~2e-7).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "kernels/attention.h"
#include "kernels/matmul.h"
#include "kernels/ref/gemm_f32.h"
#include "tensor/rng.h"

using namespace tessera;
using namespace tessera::kernels;

TEST_CASE("sdpa_f32: every ISA path vs the double-precision reference, with masks and odd lengths") {
  const Isa saved = active_isa();
  struct Case {
    int64_t BH, Lq, Lk, D, Dv;
    int mask;  // 0 none, 1 additive, 2 causal
  };
  const Case cases[] = {{2, 197, 197, 64, 64, 0},  // ViT-B/16 head
                        {3, 33, 17, 32, 40, 1},    // Lq > block, Lk prime, Dv != D
                        {1, 49, 49, 32, 32, 1},    // Swin window with relative-position bias as the mask
                        {2, 40, 40, 16, 16, 2},
                        {1, 1, 5, 8, 8, 0}};
  for (Isa isa : supported_isas()) {
    set_active_isa(isa);
    double worst = 0;
    for (const Case& c : cases) {
      Generator g(c.Lq * 100 + c.Lk);
      std::vector<float> q(c.BH * c.Lq * c.D), k(c.BH * c.Lk * c.D), v(c.BH * c.Lk * c.Dv), mask(c.Lq * c.Lk);
      g.fill_normal(q.data(), q.size());
      g.fill_normal(k.data(), k.size());
      g.fill_normal(v.data(), v.size());
      g.fill_normal(mask.data(), mask.size());
      mask[3] = -std::numeric_limits<float>::infinity();
      const AttentionShape s{c.BH, c.Lq, c.Lk, c.D, c.Dv, 1.f / std::sqrt(float(c.D))};
      std::vector<float> out(c.BH * c.Lq * c.Dv), want(out.size());
      const float* m = c.mask == 1 ? mask.data() : nullptr;
      sdpa_f32(out.data(), q.data(), k.data(), v.data(), m, c.mask == 2, s);
      ref::sdpa_f32(want.data(), q.data(), k.data(), v.data(), m, c.mask == 2, s);
      float vmax = 0;
      for (float x : v) vmax = std::max(vmax, std::fabs(x));
      double err = 0;
      for (size_t i = 0; i < out.size(); ++i) err = std::max<double>(err, std::fabs(out[i] - want[i]));
      CAPTURE(std::string(isa_name(isa)));
      CAPTURE(c.Lq);
      CHECK(err <= 1e-5 * vmax);
      worst = std::max(worst, err / vmax);
    }
    MESSAGE("sdpa ", std::string(isa_name(isa)), ": worst |out - ref| / max|v| = ", worst);
  }
  set_active_isa(saved);
}

TEST_CASE("bmm_f32: batches, broadcast operand (stride 0) and transposes vs the ref GEMM") {
  const Isa saved = active_isa();
  const int64_t batch = 5, M = 17, N = 23, K = 31;
  Generator g(5);
  std::vector<float> A(batch * M * K), B(K * N), C(batch * M * N), W(M * N);
  g.fill_normal(A.data(), A.size());
  g.fill_normal(B.data(), B.size());
  for (Isa isa : supported_isas()) {
    set_active_isa(isa);
    // A^T stored [K, M] per batch; B shared by every batch
    bmm_f32(batch, true, false, M, N, K, A.data(), M, M * K, B.data(), N, 0, C.data(), N, M * N, 0.5f);
    for (int64_t b = 0; b < batch; ++b) {
      GemmEpilogue ep;
      ep.alpha = 0.5f;
      ref::gemm_f32(true, false, M, N, K, A.data() + b * M * K, M, B.data(), N, W.data(), N, ep);
      double err = 0;
      for (int64_t i = 0; i < M * N; ++i) err = std::max<double>(err, std::fabs(C[b * M * N + i] - W[i]));
      CHECK(err < 1e-5);  // K = 31: |C| ~ 3, a few ulps apart at most
    }
  }
  set_active_isa(saved);
}
