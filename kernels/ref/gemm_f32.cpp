// The GEMM specification: a plain triple loop, fp32 accumulation in k order.
// Rows are split across threads only so that model tests on the ref path stay usable.
#include "kernels/ref/gemm_f32.h"

#include <algorithm>

#include "kernels/parallel.h"

namespace tessera::kernels::ref {

void gemm_f32(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
              const float* B, int64_t ldb, float* C, int64_t ldc, const GemmEpilogue& ep) {
  parallel_for(M, 4, [&](int64_t m0, int64_t m1) {
    for (int64_t i = m0; i < m1; ++i) {
      for (int64_t j = 0; j < N; ++j) {
        float acc = 0.f;
        for (int64_t k = 0; k < K; ++k) {
          const float a = trans_a ? A[k * lda + i] : A[i * lda + k];
          const float b = trans_b ? B[j * ldb + k] : B[k * ldb + j];
          acc += a * b;
        }
        float c = ep.alpha * acc;
        if (ep.beta != 0.f) c += ep.beta * C[i * ldc + j];
        if (ep.bias) c += ep.bias_per_row ? ep.bias[i] : ep.bias[j];
        if (ep.act == FusedActivation::relu) c = std::max(c, 0.f);
        if (ep.act == FusedActivation::relu6) c = std::min(std::max(c, 0.f), 6.f);
        C[i * ldc + j] = c;
      }
    }
  });
}

}  // namespace tessera::kernels::ref
