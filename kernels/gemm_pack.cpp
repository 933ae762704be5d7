// Packing of GEMM operands into micro-panels (see kernels/gemm.h for the layouts).
#include "kernels/gemm_pack.h"

#include <algorithm>
#include <cstring>

#include "kernels/cpu.h"

namespace tessera::kernels {

// kernels/x86/gemm_pack_f32__avx512.cpp
void pack_transpose_f32__avx512(float* dst, int64_t width, const float* src, int64_t lds, int64_t rows, int64_t kc);
void pack_rows_32_f32__avx512(float* dst, const float* src, int64_t lds, int64_t cols, int64_t kc);

namespace {
bool have_avx512() { return active_isa() >= Isa::avx512; }
}  // namespace

void pack_a_block(float* dst, bool trans_a, const float* A, int64_t lda, int64_t m0, int64_t mc, int64_t k0, int64_t kc,
                  int64_t mr) {
  for (int64_t p = 0; p < mc; p += mr) {
    const int64_t rows = std::min(mr, mc - p);
    if (trans_a) {
      // A^T stored [K, M]: each k row of the panel is contiguous in the source.
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = A + (k0 + k) * lda + m0 + p;
        float* d = dst + k * mr;
        for (int64_t i = 0; i < rows; ++i) d[i] = src[i];
        for (int64_t i = rows; i < mr; ++i) d[i] = 0.f;
      }
    } else if (have_avx512()) {
      pack_transpose_f32__avx512(dst, mr, A + (m0 + p) * lda + k0, lda, rows, kc);
    } else {
      // Walk each source row once, contiguously. (Reading a column of MR rows per k
      // instead touches MR lines lda apart, which alias in L1 when lda is a power of two.)
      for (int64_t i = 0; i < rows; ++i) {
        const float* src = A + (m0 + p + i) * lda + k0;
        for (int64_t k = 0; k < kc; ++k) dst[k * mr + i] = src[k];
      }
      for (int64_t i = rows; i < mr; ++i)
        for (int64_t k = 0; k < kc; ++k) dst[k * mr + i] = 0.f;
    }
    dst += kc * mr;
  }
}

void pack_b_matrix(const void* ctx, float* dst, int64_t k0, int64_t kc, int64_t n0, int64_t nc, int64_t nr) {
  const auto& m = *static_cast<const MatrixB*>(ctx);
  if (have_avx512() && (m.trans || nr == 32)) {
    for (int64_t j0 = 0; j0 < nc; j0 += nr, dst += kc * nr) {
      const int64_t cols = std::min(nr, nc - j0);
      if (m.trans)
        pack_transpose_f32__avx512(dst, nr, m.data + (n0 + j0) * m.ld + k0, m.ld, cols, kc);
      else
        pack_rows_32_f32__avx512(dst, m.data + k0 * m.ld + n0 + j0, m.ld, cols, kc);
    }
    return;
  }
  if (!m.trans) {
    // Panel by panel: each source row segment is NR floats; writing one panel at a time
    // keeps the stores sequential (dealing a whole row out to every panel would scatter
    // them kc*NR floats apart, which aliases in L1).
    for (int64_t j0 = 0; j0 < nc; j0 += nr) {
      const int64_t cols = std::min(nr, nc - j0);
      for (int64_t k = 0; k < kc; ++k) {
        float* d = dst + j0 * kc + k * nr;
        std::memcpy(d, m.data + (k0 + k) * m.ld + n0 + j0, static_cast<size_t>(cols) * sizeof(float));
        for (int64_t j = cols; j < nr; ++j) d[j] = 0.f;
      }
    }
    return;
  }
  // B^T stored [N, K]: walk each source row once (contiguous in k).
  for (int64_t j0 = 0; j0 < nc; j0 += nr) {
    const int64_t cols = std::min(nr, nc - j0);
    for (int64_t j = 0; j < nr; ++j) {
      if (j < cols) {
        const float* src = m.data + (n0 + j0 + j) * m.ld + k0;
        for (int64_t k = 0; k < kc; ++k) dst[k * nr + j] = src[k];
      } else {
        for (int64_t k = 0; k < kc; ++k) dst[k * nr + j] = 0.f;
      }
    }
    dst += kc * nr;
  }
}

}  // namespace tessera::kernels
