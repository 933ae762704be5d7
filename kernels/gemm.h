// SGEMM: C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C  (+ bias) -> activation.
//
// Row-major with leading dimensions, as cblas_sgemm(CblasRowMajor, ...). The fast
// paths are BLIS-style: B and A are packed into cache blocks of micro-panels and a
// register-blocked microkernel (kernels/x86/gemm_f32_<MR>x<NR>__<isa>.cpp) does the
// FMAs; threads split the M or N tiles above the microkernel. TESSERA_ISA=ref runs
// the scalar specification kernels/ref/gemm_f32.cpp.
#pragma once
#include <cstdint>
#include <memory>

#include "kernels/fused_activation.h"
#include "kernels/cpu.h"

namespace tessera::kernels {

struct GemmEpilogue {
  float alpha = 1.f;
  float beta = 0.f;             // 0: C is written, never read (may hold garbage/NaN)
  const float* bias = nullptr;  // added after alpha/beta
  bool bias_per_row = false;    // true: bias[M] (conv: one per output channel); false: bias[N] (Linear)
  FusedActivation act = FusedActivation::none;
};

void gemm_f32(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
              const float* B, int64_t ldb, float* C, int64_t ldc, const GemmEpilogue& ep = {});

// ---- building blocks for ops that feed the GEMM themselves (conv, linear) ----

// Micro-panel geometry of one ISA's microkernel and its cache blocking.
struct GemmGeometry {
  int64_t mr, nr;      // register tile
  int64_t mc, kc, nc;  // cache blocks (mc % mr == 0, nc % nr == 0)
};
GemmGeometry gemm_geometry(Isa isa);

// How a product of M x N x K splits over at most `available` threads: `threads` of them
// (one per ~1 MFLOP of work, see kernels/gemm.cpp), each taking a contiguous run of the
// MR row tiles (split_n false) or NR column panels (split_n true), `tiles` in all.
struct GemmSplit {
  int threads;
  bool split_n;
  int64_t tiles;
};
// columns: split N whatever the tile counts (each thread then packs only its own B).
GemmSplit gemm_split(const GemmGeometry& g, int64_t M, int64_t N, int64_t K, int available, bool columns = false);

// A, packed once (weights at load time) for one ISA's geometry: for each KC block,
// for each MR row panel, kc x MR values (rows past M zero-padded).
struct PackedA {
  Isa isa = Isa::ref;
  int64_t M = 0, K = 0;
  GemmGeometry geo{};
  std::shared_ptr<float> buf;  // 64-byte aligned, round_up(M, mr) * K floats
  // The micro-panels of rows [m0, ...) in the KC block starting at k0 (m0 % mr == 0, k0 % kc == 0).
  const float* block(int64_t k0, int64_t m0) const;
};
PackedA pack_a(Isa isa, bool trans_a, int64_t M, int64_t K, const float* A, int64_t lda);

// A 64-byte aligned buffer of at least `floats` floats (one at least) for weights packed
// once, on huge pages from 2 MiB up (tensor/aligned_alloc.h), freed with the last copy of
// the pointer; `what` names the packing in the error.
std::shared_ptr<float> packed_buffer(int64_t floats, const char* what);

// B, packed once (Linear's W^T at load time) for one ISA's geometry: for each KC block, for
// each NR column panel, kc x NR values (columns past N zero-padded), the layout the driver
// packs B into per call, so a product with it skips that packing.
struct PackedB {
  Isa isa = Isa::ref;
  int64_t K = 0, N = 0;
  GemmGeometry geo{};
  std::shared_ptr<float> buf;  // 64-byte aligned, K * round_up(N, nr) floats
  // The panels of columns [n0, ...) in the KC block starting at k0 (n0 % nr == 0, k0 % kc == 0).
  const float* block(int64_t k0, int64_t n0) const;
};
PackedB pack_b(Isa isa, bool trans_b, int64_t K, int64_t N, const float* B, int64_t ldb);

// C = alpha * op(A) * B_packed + ..., with B pre-packed for `b.isa` (must be the active path's).
void gemm_f32_packed_b(bool trans_a, int64_t M, const float* A, int64_t lda, const PackedB& b, float* C, int64_t ldc,
                       const GemmEpilogue& ep = {});

// The B operand of gemm_f32_packed, in one of two forms:
//  - packed per block by a callback, which writes rows [k0, k0+kc) x columns [n0, n0+nc)
//    as NR-wide column panels: dst[(j / nr) * kc * nr + k * nr + j % nr], columns past nc
//    zero-padded to a multiple of nr;
//  - read in place (pack == nullptr): row k starts at base + offsets[k] and its columns are
//    contiguous. A convolution uses this to read a padded image with no im2col copy.
struct BSource {
  void (*pack)(const void* ctx, float* dst, int64_t k0, int64_t kc, int64_t n0, int64_t nc, int64_t nr) = nullptr;
  const void* ctx = nullptr;
  const float* base = nullptr;
  const int64_t* offsets = nullptr;
  const PackedB* packed = nullptr;  // or packed beforehand (gemm_f32_packed_b): pack and base unused
};

// C = alpha * A_packed * B(source) + ..., with A pre-packed for `a.isa` (must be the active path's).
void gemm_f32_packed(const PackedA& a, const BSource& b, int64_t N, float* C, int64_t ldc, const GemmEpilogue& ep);

}  // namespace tessera::kernels
