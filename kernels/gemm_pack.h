// Packing routines shared by the GEMM driver and the ops that feed it.
#pragma once
#include <cstdint>

namespace tessera::kernels {

// Rows [m0, m0+mc) x columns [k0, k0+kc) of op(A) into MR-row micro-panels, zero-padded.
void pack_a_block(float* dst, bool trans_a, const float* A, int64_t lda, int64_t m0, int64_t mc, int64_t k0, int64_t kc,
                  int64_t mr);

// A plain row-major B (or B^T when trans), as a BSource context for pack_b_matrix.
struct MatrixB {
  const float* data;
  int64_t ld;
  bool trans;
};
void pack_b_matrix(const void* ctx, float* dst, int64_t k0, int64_t kc, int64_t n0, int64_t nc, int64_t nr);

// Columns [n0, n0+nc) of kc rows read in place (row k at base + offsets[k], a conv's B:
// kernels/gemm_ukernel.h) into nr-wide column panels, zero past nc.
void pack_b_rows_at(float* dst, int64_t nr, const float* base, const int64_t* offsets, int64_t n0, int64_t nc,
                    int64_t kc);

}  // namespace tessera::kernels
