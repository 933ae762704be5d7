// Packing of GEMM operands into micro-panels (see kernels/gemm.h for the layouts).
#include "kernels/gemm_pack.h"

#include <algorithm>
#include <cstring>

namespace tessera::kernels {

void pack_a_block(float* dst, bool trans_a, const float* A, int64_t lda, int64_t m0, int64_t mc, int64_t k0, int64_t kc,
                  int64_t mr) {
  for (int64_t p = 0; p < mc; p += mr) {
    const int64_t rows = std::min(mr, mc - p);
    for (int64_t k = 0; k < kc; ++k) {
      float* d = dst + k * mr;
      for (int64_t i = 0; i < rows; ++i) {
        const int64_t r = m0 + p + i, col = k0 + k;
        d[i] = trans_a ? A[col * lda + r] : A[r * lda + col];
      }
      for (int64_t i = rows; i < mr; ++i) d[i] = 0.f;
    }
    dst += kc * mr;
  }
}

void pack_b_matrix(const void* ctx, float* dst, int64_t k0, int64_t kc, int64_t n0, int64_t nc, int64_t nr) {
  const auto& m = *static_cast<const MatrixB*>(ctx);
  for (int64_t j0 = 0; j0 < nc; j0 += nr) {
    const int64_t cols = std::min(nr, nc - j0);
    if (!m.trans) {
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = m.data + (k0 + k) * m.ld + n0 + j0;
        float* d = dst + k * nr;
        std::memcpy(d, src, static_cast<size_t>(cols) * sizeof(float));
        for (int64_t j = cols; j < nr; ++j) d[j] = 0.f;
      }
    } else {
      // B^T stored [N, K]: walk each source row once (contiguous in k).
      for (int64_t j = 0; j < nr; ++j) {
        if (j < cols) {
          const float* src = m.data + (n0 + j0 + j) * m.ld + k0;
          for (int64_t k = 0; k < kc; ++k) dst[k * nr + j] = src[k];
        } else {
          for (int64_t k = 0; k < kc; ++k) dst[k * nr + j] = 0.f;
        }
      }
    }
    dst += kc * nr;
  }
}

}  // namespace tessera::kernels
