#include "kernels/matmul.h"

#include "kernels/gemm.h"
#include "kernels/parallel.h"

namespace tessera::kernels {

void bmm_f32(int64_t batch, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
             int64_t stride_a, const float* B, int64_t ldb, int64_t stride_b, float* C, int64_t ldc, int64_t stride_c,
             float alpha) {
  GemmEpilogue ep;
  ep.alpha = alpha;
  // Many small products (attention heads): one per thread. Few big ones: threads inside the GEMM.
  const bool per_thread = batch >= get_num_threads() && M * N * K < (int64_t(1) << 24);
  auto one = [&](int64_t b) {
    gemm_f32(trans_a, trans_b, M, N, K, A + b * stride_a, lda, B + b * stride_b, ldb, C + b * stride_c, ldc, ep);
  };
  if (per_thread) {
    parallel_for(batch, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) one(b);
    });
  } else {
    for (int64_t b = 0; b < batch; ++b) one(b);
  }
}

}  // namespace tessera::kernels
