// Batched matmul (torch.bmm / torch.matmul on 3-D operands) and fused
// scaled-dot-product attention, both built on the SGEMM of kernels/gemm.h.
#pragma once
#include <cstdint>

namespace tessera::kernels {

// C[b] = alpha * op(A[b]) op(B[b]) for b < batch; each operand row-major with its own
// leading dimension and batch stride (a stride of 0 broadcasts one matrix).
void bmm_f32(int64_t batch, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
             int64_t stride_a, const float* B, int64_t ldb, int64_t stride_b, float* C, int64_t ldc, int64_t stride_c,
             float alpha = 1.f);

}  // namespace tessera::kernels
