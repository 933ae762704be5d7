// GEMM packing: the AVX-512 and AVX2 packers (in-register transposes, vector row moves)
// write exactly the bytes of the scalar loops, for every panel width and tail in k and rows.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "kernels/cpu.h"
#include "kernels/gemm_pack.h"
#include "tensor/rng.h"

using namespace tessera;
using namespace tessera::kernels;

namespace {

struct IsaScope {
  Isa saved = active_isa();
  explicit IsaScope(Isa isa) { set_active_isa(isa); }
  ~IsaScope() { set_active_isa(saved); }
};

std::vector<float> source(int64_t rows, int64_t cols, uint64_t seed) {
  std::vector<float> v(static_cast<size_t>(rows * cols));
  Generator(seed).fill_normal(v.data(), v.size());
  return v;
}

}  // namespace

// The SIMD paths this CPU has (the scalar loops run under Isa::ref).
std::vector<Isa> simd_isas() {
  std::vector<Isa> v;
  for (Isa isa : {Isa::avx2, Isa::avx512})
    if (isa_supported(isa)) v.push_back(isa);
  return v;
}

TEST_CASE("pack_a_block: AVX-512 and AVX2 transposes equal the scalar loops") {
  for (const Isa isa : simd_isas())
    for (const int64_t mr : {6, 14})
      for (const bool trans : {false, true})
        for (const int64_t mc : {1, 5, 6, 7, 13, 14, 15, 29, 42})
          for (const int64_t kc : {1, 7, 8, 9, 16, 17, 31, 64, 97}) {
            const int64_t M = 50, K = 120, lda = trans ? M + 3 : K + 5, m0 = 3, k0 = 5;
            const auto A = source(trans ? K : M, lda, mc * 1000 + kc);
            const size_t n = static_cast<size_t>((mc + mr - 1) / mr * mr * kc);
            std::vector<float> want(n, -1.f), got(n, -2.f);
            { IsaScope s(Isa::ref); pack_a_block(want.data(), trans, A.data(), lda, m0, mc, k0, kc, mr); }
            { IsaScope s(isa); pack_a_block(got.data(), trans, A.data(), lda, m0, mc, k0, kc, mr); }
            CAPTURE(std::string(isa_name(isa))); CAPTURE(mr); CAPTURE(trans); CAPTURE(mc); CAPTURE(kc);
            CHECK(got == want);
          }
}

TEST_CASE("pack_b_matrix: AVX-512 and AVX2 panels equal the scalar loops") {
  for (const Isa isa : simd_isas())
    for (const bool trans : {false, true})
      for (const int64_t nr : {16, 32})
        for (const int64_t nc : {1, 15, 16, 17, 33, 64, 70, 128, 161, 250})  // past 4 panels: several row passes
          for (const int64_t kc : {1, 8, 9, 16, 23, 64}) {
            const int64_t N = 260, K = 80, ld = trans ? K + 1 : N + 7, n0 = 2, k0 = 3;
            const auto B = source(trans ? N : K, ld, nc * 100 + kc + nr);
            const MatrixB mb{B.data(), ld, trans};
            const size_t n = static_cast<size_t>((nc + nr - 1) / nr * nr * kc);
            std::vector<float> want(n, -1.f), got(n, -2.f);
            { IsaScope s(Isa::ref); pack_b_matrix(&mb, want.data(), k0, kc, n0, nc, nr); }
            { IsaScope s(isa); pack_b_matrix(&mb, got.data(), k0, kc, n0, nc, nr); }
            CAPTURE(std::string(isa_name(isa))); CAPTURE(trans); CAPTURE(nr); CAPTURE(nc); CAPTURE(kc);
            CHECK(got == want);
          }
}

TEST_CASE("pack_b_rows_at: rows at arbitrary offsets, on every path, equal the definition") {
  // Offsets as a conv's are: out of order, repeated (overlapping taps), far apart.
  const int64_t K = 40, plane = 1000;
  std::vector<int64_t> offsets(K);
  for (int64_t k = 0; k < K; ++k) offsets[k] = (k * 7 % K) * plane + (k % 3) * 5;
  offsets[9] = offsets[4];
  const auto base = source(K + 1, plane, 9);
  std::vector<Isa> isas = simd_isas();
  isas.push_back(Isa::ref);
  for (const Isa isa : isas)
    for (const int64_t nr : {16, 32})
      for (const int64_t nc : {1, 15, 16, 17, 33, 70, 161})
        for (const int64_t kc : {1, 8, 9, 23, 40}) {
          const int64_t n0 = 3, panels = (nc + nr - 1) / nr;
          std::vector<float> want(static_cast<size_t>(panels * nr * kc)), got(want.size(), -2.f);
          for (int64_t p = 0; p < panels; ++p)
            for (int64_t k = 0; k < kc; ++k)
              for (int64_t j = 0; j < nr; ++j) {
                const int64_t col = p * nr + j;
                want[static_cast<size_t>((p * kc + k) * nr + j)] = col < nc ? base[offsets[k] + n0 + col] : 0.f;
              }
          { IsaScope s(isa); pack_b_rows_at(got.data(), nr, base.data(), offsets.data(), n0, nc, kc); }
          CAPTURE(std::string(isa_name(isa))); CAPTURE(nr); CAPTURE(nc); CAPTURE(kc);
          CHECK(got == want);
        }
}
