#pragma once
#include "kernels/gemm.h"

namespace tessera::kernels::ref {

void gemm_f32(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
              const float* B, int64_t ldb, float* C, int64_t ldc, const GemmEpilogue& ep);

}  // namespace tessera::kernels::ref
