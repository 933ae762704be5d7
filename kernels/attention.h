// Scaled dot-product attention, fused: out = softmax(Q K^T * scale + mask) V.
//
// q [BH, Lq, D], k [BH, Lk, D], v [BH, Lk, Dv], out [BH, Lq, Dv], contiguous (BH =
// batch x heads). mask: null, or an additive [Lq, Lk] float mask shared by every
// batch and head (-inf hides a position); causal hides key j > query i. A block of
// query rows at a time: the scores never exist for the whole sequence, only for
// the block, so memory stays O(block x Lk) per thread. As in PyTorch, a row whose
// every position is masked yields NaN.
#pragma once
#include <cstdint>

namespace tessera::kernels {

struct AttentionShape {
  int64_t BH, Lq, Lk, D, Dv;
  float scale;  // usually 1/sqrt(D)
};

void sdpa_f32(float* out, const float* q, const float* k, const float* v, const float* mask, bool causal,
              const AttentionShape& s);

namespace ref {
void sdpa_f32(float* out, const float* q, const float* k, const float* v, const float* mask, bool causal,
              const AttentionShape& s);
}

}  // namespace tessera::kernels
