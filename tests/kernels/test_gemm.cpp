// SGEMM: every ISA path vs an exact (double) product, over shapes that straddle the
// microkernel tiles (MR 6/14, NR 16/32) and the KC blocks (512, 1024), with transposes,
// leading dimensions wider than the matrix, alpha/beta, both bias kinds and ReLU/ReLU6.
//
// Tolerance: the standard bound for a length-K float dot product,
//   |c - exact| <= (K + 2) * 2^-24 * (|alpha| * sum_k |a_ik b_kj| + |beta c_ij|) * 2
// (the factor 2 covers the epilogue's extra roundings). Blocking changes the summation
// order, so fast and ref differ in the last bits, but both must sit inside the bound.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/gemm_pack.h"
#include "kernels/gemm_ukernel.h"
#include "kernels/parallel.h"
#include "kernels/ref/gemm_f32.h"
#include "tensor/error.h"
#include "tensor/rng.h"

using namespace tessera;
using namespace tessera::kernels;

namespace {

struct Case {
  bool ta, tb;
  int64_t M, N, K;
  float alpha, beta;
  int bias;  // 0 none, 1 per row, 2 per column
  FusedActivation act;
};

// How the product is called: gemm_f32, gemm_f32_packed (A packed beforehand) or
// gemm_f32_packed_b (B packed beforehand, as Linear's weights).
enum class Packed { none, a, b };

// Checks C against the exact result; returns the worst error / bound ratio.
double check_gemm(const Case& c, Packed packed) {
  Generator g(c.M * 131 + c.N * 7 + c.K);
  const int64_t lda = (c.ta ? c.M : c.K) + 3, ldb = (c.tb ? c.K : c.N) + 5, ldc = c.N + 2;
  std::vector<float> A((c.ta ? c.K : c.M) * lda), B((c.tb ? c.N : c.K) * ldb), C0(c.M * ldc), bias(std::max(c.M, c.N));
  g.fill_normal(A.data(), A.size());
  g.fill_normal(B.data(), B.size());
  g.fill_normal(C0.data(), C0.size());
  g.fill_normal(bias.data(), bias.size());
  GemmEpilogue ep{c.alpha, c.beta, c.bias ? bias.data() : nullptr, c.bias == 1, c.act};
  std::vector<float> C = C0;
  if (packed == Packed::a) {
    const PackedA pa = pack_a(active_isa(), c.ta, c.M, c.K, A.data(), lda);
    const MatrixB mb{B.data(), ldb, c.tb};
    gemm_f32_packed(pa, BSource{pack_b_matrix, &mb}, c.N, C.data(), ldc, ep);
  } else if (packed == Packed::b) {
    const PackedB pb = pack_b(active_isa(), c.tb, c.K, c.N, B.data(), ldb);
    gemm_f32_packed_b(c.ta, c.M, A.data(), lda, pb, C.data(), ldc, ep);
  } else {
    gemm_f32(c.ta, c.tb, c.M, c.N, c.K, A.data(), lda, B.data(), ldb, C.data(), ldc, ep);
  }
  double worst = 0;
  for (int64_t i = 0; i < c.M; ++i) {
    for (int64_t j = 0; j < c.N; ++j) {
      double exact = 0, mag = 0;
      for (int64_t k = 0; k < c.K; ++k) {
        const double a = c.ta ? A[k * lda + i] : A[i * lda + k];
        const double b = c.tb ? B[j * ldb + k] : B[k * ldb + j];
        exact += a * b;
        mag += std::fabs(a * b);
      }
      double v = c.alpha * exact + (c.beta != 0 ? c.beta * C0[i * ldc + j] : 0.0);
      if (c.bias) v += c.bias == 1 ? bias[i] : bias[j];
      if (c.act != FusedActivation::none) v = std::max(v, 0.0);
      if (c.act == FusedActivation::relu6) v = std::min(v, 6.0);
      const double bound = (c.K + 2) * std::ldexp(1.0, -24) * 2 *
                               (std::fabs(c.alpha) * mag + std::fabs(c.beta * C0[i * ldc + j]) + 1.0) +
                           1e-30;
      const double err = std::fabs(C[i * ldc + j] - v);
      worst = std::max(worst, std::isnan(err) ? INFINITY : err / bound);
    }
    // Columns between N and ldc must be untouched (the microkernel masks its tail).
    for (int64_t j = c.N; j < ldc; ++j) REQUIRE(C[i * ldc + j] == C0[i * ldc + j]);
  }
  return worst;
}

// On every ISA path (the fast ones only, unless with_ref): `cases(check)` calls
// check(case, which operand is packed beforehand) for each shape, and each must sit inside
// the bound.
template <class Cases>
void check_paths(const char* what, bool with_ref, Cases&& cases) {
  const Isa saved = active_isa();
  for (Isa isa : supported_isas()) {
    if (isa == Isa::ref && !with_ref) continue;
    set_active_isa(isa);
    double worst = 0;
    int shapes = 0;
    cases([&](const Case& c, Packed packed) {
      CAPTURE(isa_name(isa));
      CAPTURE(c.M);
      CAPTURE(c.N);
      CAPTURE(c.K);
      CAPTURE(c.ta);
      CAPTURE(c.tb);
      CAPTURE(int(packed));
      const double r = check_gemm(c, packed);
      CHECK(r <= 1.0);
      worst = std::max(worst, r);
      ++shapes;
    });
    MESSAGE("gemm_f32 ", std::string(isa_name(isa)), ", ", std::string(what), ": ", shapes,
            " shapes, worst error = ", worst, " of the bound");
  }
  set_active_isa(saved);
}

}  // namespace

TEST_CASE("gemm_f32: every ISA path within the float dot-product bound, on tile/block edges") {
  Generator pick(7);  // one sequence across the paths: each path sees other shapes
  const int64_t ms[] = {1, 5, 6, 7, 13, 14, 15, 29, 61, 337};
  const int64_t ns[] = {1, 2, 3, 8, 9, 15, 16, 17, 31, 32, 33, 65, 97};  // <= 8: the narrow (14 x n, 6 x n) kernel
  const int64_t ks[] = {1, 2, 7, 64, 401, 511, 512, 513, 1023, 1024, 1025, 1100};  // KC is 512 (avx2), 1024 (avx512)
  const FusedActivation acts[] = {FusedActivation::none, FusedActivation::relu, FusedActivation::relu6};
  check_paths("tile and block edges", true, [&](auto check) {
    for (int rep = 0; rep < 120; ++rep)
      check(Case{pick.bernoulli(0.3f), pick.bernoulli(0.3f), ms[pick.randint(10)], ns[pick.randint(13)],
                 ks[pick.randint(12)], rep % 5 == 0 ? -0.5f : 1.f, rep % 3 == 0 ? 0.75f : 0.f, int(pick.randint(3)),
                 acts[pick.randint(3)]},
            rep % 3 == 0 ? Packed::none : rep % 3 == 1 ? Packed::a : Packed::b);
  });
}

TEST_CASE("gemm_f32: row-major A with short rows, read in place, within the bound") {
  // gemm_f32 reads full MR-row panels of A in place when lda <= 768 and N > 8; a row tail
  // is packed, except that on AVX-512 a tail of 1 or 2 rows and the tile before it run as
  // two in-place tiles of 7 + 8 or 8 + 8 rows (M = 15, 16, 29, and 127: a tail in the
  // second A block). check_gemm's lda is K + 3, so K = 765 is the widest in place and
  // K = 766 falls back to packing. M = 61 spans two A blocks on AVX-512 (MC = 56), M = 125
  // three there and two on AVX2 (MC = 72), N = 1100 two B blocks (NC = 1024 on AVX-512).
  check_paths("A in place or packed", false, [](auto check) {
    for (int64_t M : {6, 7, 14, 15, 16, 29, 61, 125, 127})
      for (int64_t N : {9, 17, 33, 64, 65, 97, 128, 129, 300, 1100})
        for (int64_t K : {1, 64, 765, 766})
          for (const bool tb : {false, true})
            check(Case{false, tb, M, N, K, M == 29 ? -0.5f : 1.f, N == 33 ? 0.75f : 0.f, int((M + N) % 3),
                       K == 64 ? FusedActivation::relu : FusedActivation::none},
                  tb && K == 64 ? Packed::b : Packed::none);
  });
}

TEST_CASE("gemm_f32: a last B panel of at most 8 columns (narrow kernel) within the bound") {
  // Wide products whose last panel (32 columns; 16 on AVX2) has 1-8 columns run it on the
  // 14 x n (6 x n) kernel when A is packed: pre-packed weights, or an A packed in the call
  // (K = 800: lda > 768).
  // M = 125 spans two A blocks; K = 1100 two K blocks, so the tail's C is read back (beta 1).
  check_paths("narrow last panel", false, [](auto check) {
    for (int64_t M : {5, 14, 29, 125})
      for (int64_t N : {33, 36, 37, 40, 41, 196, 197})
        for (int64_t K : {32, 800, 1100})
          for (const Packed packed : {Packed::none, Packed::a, Packed::b})
            check(Case{M == 29, N == 41, M, N, K, M == 5 ? -0.5f : 1.f, N == 37 ? 0.75f : 0.f, int((M + N) % 3),
                       N == 40 ? FusedActivation::relu6 : FusedActivation::none},
                  packed);
  });
}

TEST_CASE("gemm_f32: a B of at most 8 columns (heads at batch 1-8) within the bound") {
  // Such a B is packed as wide as it is (or read in place, or packed 32 or 16 wide
  // beforehand) and one narrow-kernel call walks up to 4 A panels (n <= 4) or 2 (n <= 8);
  // the AVX2 kernel walks them in groups of 4, 3, 2 or 1 by n. M covers every count of
  // panels and rows in a call's last panel, and M = 57 and up a second A block (MC = 56 on
  // AVX-512, where 113 and 125 make a third; 72 on AVX2), whose calls restart the groups.
  check_paths("narrow B", false, [](auto check) {
    for (int64_t M : {1, 13, 14, 15, 28, 29, 42, 43, 56, 57, 70, 113, 125})
      for (int64_t N : {1, 2, 3, 4, 5, 7, 8})
        for (int64_t K : {1, 3, 64, 1025})
          check(Case{M == 43, (M + N + K) % 2 == 0, M, N, K, M == 15 ? -0.5f : 1.f, N == 3 ? 0.75f : 0.f,
                     int((M + N + K) % 3), K == 64 ? FusedActivation::relu : FusedActivation::none},
                (M + K) % 3 == 0 ? Packed::none : (M + K) % 3 == 1 ? Packed::a : Packed::b);
  });
}

TEST_CASE("gemm_f32: any thread count gives the same bits (shared B blocks, row and column splits)") {
  // Every C tile is summed by the same microkernel calls in the same KC order whichever
  // thread computes it, so results must be identical. Tall shapes share packed B blocks
  // between threads (row split), wide ones split columns, and A pre-packed splits either.
  // (Each case is large enough for several threads: under ~1 MFLOP per thread gemm_f32
  // stays on fewer.)
  const Isa saved = active_isa();
  const int saved_threads = get_num_threads();
  const Case cases[] = {{false, false, 337, 260, 1100, 1.f, 0.75f, 2, FusedActivation::relu},
                        {true, true, 200, 97, 513, -0.5f, 0.f, 1, FusedActivation::none},
                        {false, true, 29, 1200, 64, 1.f, 0.f, 0, FusedActivation::relu6},
                        // A read in place by rows, its 3-row tail packed, split by rows.
                        {false, false, 213, 150, 300, 1.f, 0.f, 2, FusedActivation::none},
                        {false, true, 1000, 3, 700, 1.f, 0.5f, 1, FusedActivation::none}};
  for (Isa isa : supported_isas()) {
    if (isa == Isa::ref) continue;
    set_active_isa(isa);
    for (const Case& c : cases)
      for (const Packed packed : {Packed::none, Packed::a, Packed::b}) {
        set_num_threads(1);
        Generator g(c.M + c.N + c.K);
        const int64_t lda = c.ta ? c.M : c.K, ldb = c.tb ? c.K : c.N;
        std::vector<float> A(c.M * c.K), B(c.K * c.N), bias(std::max(c.M, c.N)), C0(c.M * c.N);
        g.fill_normal(A.data(), A.size());
        g.fill_normal(B.data(), B.size());
        g.fill_normal(bias.data(), bias.size());
        g.fill_normal(C0.data(), C0.size());
        const GemmEpilogue ep{c.alpha, c.beta, c.bias ? bias.data() : nullptr, c.bias == 1, c.act};
        const PackedA pa = pack_a(isa, c.ta, c.M, c.K, A.data(), lda);
        const PackedB pb = pack_b(isa, c.tb, c.K, c.N, B.data(), ldb);
        const MatrixB mb{B.data(), ldb, c.tb};
        auto run = [&](int threads) {
          set_num_threads(threads);
          std::vector<float> C = C0;
          if (packed == Packed::a) gemm_f32_packed(pa, BSource{pack_b_matrix, &mb}, c.N, C.data(), c.N, ep);
          else if (packed == Packed::b) gemm_f32_packed_b(c.ta, c.M, A.data(), lda, pb, C.data(), c.N, ep);
          else gemm_f32(c.ta, c.tb, c.M, c.N, c.K, A.data(), lda, B.data(), ldb, C.data(), c.N, ep);
          return C;
        };
        const std::vector<float> one = run(1);
        for (int threads : {2, 3, 5, 8}) {
          CAPTURE(isa_name(isa));
          CAPTURE(c.M);
          CAPTURE(int(packed));
          CAPTURE(threads);
          CHECK(run(threads) == one);
        }
      }
  }
  set_num_threads(saved_threads);
  set_active_isa(saved);
}

TEST_CASE("pack_a and pack_b on several threads write the bytes one thread writes") {
  // Large enough for several threads at the first K block (a thread per 256K floats).
  const Isa saved = active_isa();
  const int saved_threads = get_num_threads();
  const int64_t M = 700, N = 700, K = 1100;
  Generator g(9);
  std::vector<float> A(M * K), B(K * N);
  g.fill_normal(A.data(), A.size());
  g.fill_normal(B.data(), B.size());
  for (Isa isa : supported_isas()) {
    if (isa == Isa::ref) continue;
    set_active_isa(isa);
    const GemmGeometry geo = gemm_geometry(isa);
    const size_t a_floats = static_cast<size_t>((M + geo.mr - 1) / geo.mr * geo.mr * K);
    const size_t b_floats = static_cast<size_t>((N + geo.nr - 1) / geo.nr * geo.nr * K);
    for (bool trans : {false, true}) {
      set_num_threads(1);
      const PackedA a1 = pack_a(isa, trans, M, K, A.data(), trans ? M : K);
      const PackedB b1 = pack_b(isa, trans, K, N, B.data(), trans ? K : N);
      for (int threads : {2, 3}) {
        CAPTURE(isa_name(isa));
        CAPTURE(trans);
        CAPTURE(threads);
        set_num_threads(threads);
        const PackedA an = pack_a(isa, trans, M, K, A.data(), trans ? M : K);
        const PackedB bn = pack_b(isa, trans, K, N, B.data(), trans ? K : N);
        CHECK(std::equal(a1.buf.get(), a1.buf.get() + a_floats, an.buf.get()));
        CHECK(std::equal(b1.buf.get(), b1.buf.get() + b_floats, bn.buf.get()));
      }
    }
  }
  set_num_threads(saved_threads);
  set_active_isa(saved);
}

TEST_CASE("gemm_split: one thread per ~1 MFLOP, every thread asked for, along the evener dimension or the columns asked for") {
  const GemmGeometry g{14, 32, 56, 1024, 1024};
  // VGG-16's 4096 -> 4096 head at batch 1: 293 row tiles, an odd count, split in two.
  GemmSplit s = gemm_split(g, 4096, 1, 4096, 2);
  CHECK(s.threads == 2);
  CHECK_FALSE(s.split_n);
  CHECK(s.tiles == 293);
  s = gemm_split(g, 4096, 1, 4096, 16);
  CHECK(s.threads == 16);
  // 64^3 is ~0.5 MFLOP: one thread, whatever is available.
  CHECK(gemm_split(g, 64, 64, 64, 16).threads == 1);
  // 1024^3: 32 column panels against 74 row tiles; columns divide evenly among 2 and 16.
  s = gemm_split(g, 1024, 1024, 1024, 2);
  CHECK(s.threads == 2);
  CHECK(s.split_n);
  CHECK(s.tiles == 32);
  CHECK(gemm_split(g, 1024, 1024, 1024, 16).threads == 16);
  // Never more threads than tiles: 3 row tiles of a wide, short product.
  s = gemm_split(g, 40, 20, 100000, 16);
  CHECK(s.tiles == 3);
  CHECK(s.threads == 3);
  // A 64 -> 384 1x1 conv at 28x28: 28 row tiles split evener than 25 column panels, unless
  // the caller asks for columns (a C-major conv, where each thread copies its own B).
  CHECK_FALSE(gemm_split(g, 384, 784, 64, 2).split_n);
  s = gemm_split(g, 384, 784, 64, 2, true);
  CHECK(s.split_n);
  CHECK(s.tiles == 25);
  CHECK(s.threads == 2);
  CHECK(gemm_split(g, 40, 20, 100000, 16, true).threads == 1);  // one column panel
}

TEST_CASE("gemm_f32: a large square product on all threads matches the ref kernel closely") {
  const Isa saved = active_isa();
  const int64_t n = 300;
  Generator g(3);
  std::vector<float> A(n * n), B(n * n), Cref(n * n), C(n * n);
  g.fill_normal(A.data(), A.size());
  g.fill_normal(B.data(), B.size());
  ref::gemm_f32(false, false, n, n, n, A.data(), n, B.data(), n, Cref.data(), n, {});
  for (Isa isa : supported_isas()) {
    set_active_isa(isa);
    gemm_f32(false, false, n, n, n, A.data(), n, B.data(), n, C.data(), n, {});
    double worst = 0;
    for (size_t i = 0; i < C.size(); ++i) worst = std::max<double>(worst, std::fabs(C[i] - Cref[i]));
    // |C| ~ sqrt(300) ~ 17; two summation orders differ by a few hundred ulps at most.
    CHECK(worst < 2e-4);
  }
  set_active_isa(saved);
}

TEST_CASE("PullCursor walks a pull line by line across its rows, then stops") {
  // 3 rows 100 floats apart, 40 floats each: lines at columns 0, 16, 32 of every row.
  std::vector<float> mem(400);
  const PrefetchRows pull{mem.data(), 100, 3, 40};
  PullCursor cursor(&pull);
  for (int64_t col : {0, 16, 32})
    for (int64_t row = 0; row < 3; ++row) {
      CAPTURE(row);
      CAPTURE(col);
      CHECK(cursor.next() == mem.data() + row * 100 + col);
    }
  CHECK(cursor.next() == nullptr);
  CHECK(cursor.next() == nullptr);
  PullCursor none(nullptr);
  CHECK(none.next() == nullptr);
  const PrefetchRows empty{mem.data(), 100, 0, 40};
  PullCursor nothing(&empty);
  CHECK(nothing.next() == nullptr);
}

TEST_CASE("gemm_f32_packed and gemm_f32_packed_b refuse weights packed for another path") {
  const auto isas = supported_isas();
  if (isas.size() < 2) return;
  std::vector<float> A(4, 1.f), B(4, 1.f), C(4);
  const PackedA pa = pack_a(isas.front(), false, 2, 2, A.data(), 2);
  const PackedB pb = pack_b(isas.front(), false, 2, 2, B.data(), 2);
  const Isa saved = active_isa();
  set_active_isa(isas.back());
  const MatrixB mb{B.data(), 2, false};
  CHECK_THROWS_AS(gemm_f32_packed(pa, BSource{pack_b_matrix, &mb}, 2, C.data(), 2, {}), Error);
  CHECK_THROWS_WITH_AS(gemm_f32_packed_b(false, 2, A.data(), 2, pb, C.data(), 2, {}),
                       doctest::Contains("pack them again"), Error);
  set_active_isa(saved);
}
