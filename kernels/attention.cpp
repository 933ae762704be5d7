#include "kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/parallel.h"
#include "kernels/softmax.h"
#include "tensor/error.h"

namespace tessera::kernels {

namespace {

// Query rows per task: a multiple of the AVX-512 microkernel's 14 rows, and big enough
// that re-packing K and V per block stays a few percent of the work.
constexpr int64_t kBlock = 56;

// Mask one block of (already scaled) score rows in place, then softmax them.
void masked_softmax_rows(float* scores, int64_t rows, int64_t q0, const float* mask, bool causal,
                         const AttentionShape& s) {
  if (mask)
    for (int64_t r = 0; r < rows; ++r) {
      const float* m = mask + (q0 + r) * s.Lk;
      float* row = scores + r * s.Lk;
      for (int64_t j = 0; j < s.Lk; ++j) row[j] += m[j];
    }
  if (causal)
    for (int64_t r = 0; r < rows; ++r)
      std::fill(scores + r * s.Lk + std::min(s.Lk, q0 + r + 1), scores + (r + 1) * s.Lk,
                -std::numeric_limits<float>::infinity());
  softmax_f32(scores, scores, rows, s.Lk);  // runs on this thread: we are inside parallel_for
}

void check(const AttentionShape& s) {
  TESSERA_CHECK(s.BH >= 0 && s.Lq >= 0 && s.Lk > 0 && s.D > 0 && s.Dv > 0, "attention: invalid sizes BH=", s.BH,
                " Lq=", s.Lq, " Lk=", s.Lk, " D=", s.D, " Dv=", s.Dv);
}

}  // namespace

void sdpa_f32(float* out, const float* q, const float* k, const float* v, const float* mask, bool causal,
              const AttentionShape& s) {
  check(s);
  const int64_t blocks = (s.Lq + kBlock - 1) / kBlock;
  parallel_for(s.BH * blocks, 1, [&](int64_t t0, int64_t t1) {
    std::vector<float> scores(static_cast<size_t>(kBlock * s.Lk));
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t bh = t / blocks, q0 = (t % blocks) * kBlock, rows = std::min(kBlock, s.Lq - q0);
      GemmEpilogue qk;
      qk.alpha = s.scale;
      // S = scale * Q_blk K^T   [rows, Lk]
      gemm_f32(false, true, rows, s.Lk, s.D, q + (bh * s.Lq + q0) * s.D, s.D, k + bh * s.Lk * s.D, s.D, scores.data(),
               s.Lk, qk);
      masked_softmax_rows(scores.data(), rows, q0, mask, causal, s);
      // O_blk = P V   [rows, Dv]
      gemm_f32(false, false, rows, s.Dv, s.Lk, scores.data(), s.Lk, v + bh * s.Lk * s.Dv, s.Dv,
               out + (bh * s.Lq + q0) * s.Dv, s.Dv, {});
    }
  });
}

}  // namespace tessera::kernels
