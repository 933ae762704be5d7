// Stem-conv microkernel, AVX2 (contract in kernels/conv2d_stem.h). A pass is one segment
// (2 vectors of 8 pixels) x one block of 4 output channels: 8 accumulators, 4 broadcast
// weights and 1 input vector, 13 of the 16 ymm registers. The tile's segments go one at a
// time through every channel block, the segment's input staying in L1. (3 segments x 2
// channels, 12 accumulators, left the compiler too few registers: it re-loaded each input
// vector for its second channel and ran 22-28 % slower. 3 vectors x 4 channels, the
// weights broadcast one at a time into one register, 12 accumulators in 16: level.)
#include <immintrin.h>

#include "kernels/conv2d_stem.h"
#include "kernels/x86/fused_activation__avx2.h"

namespace tessera::kernels {

namespace {

constexpr int OCB = 4;  // channels per packed weight block

// Segment seg x channels [c0, c0 + 4) (those below oc stored), weights w: kc rows of OCB.
void stem_pass(const StemTile& t, const StemSegment& seg, const float* w, int64_t c0) {
  __m256 acc[OCB][2];
#pragma GCC unroll 4
  for (int j = 0; j < OCB; ++j) acc[j][0] = acc[j][1] = _mm256_setzero_ps();
  const float* xs = t.x + seg.x;
  auto step = [&](int64_t k) {
    const float* xk = xs + t.x_offsets[k];
    const __m256 x0 = _mm256_loadu_ps(xk), x1 = _mm256_loadu_ps(xk + 8);
#pragma GCC unroll 4
    for (int j = 0; j < OCB; ++j) {
      const __m256 wj = _mm256_broadcast_ss(w + OCB * k + j);
      acc[j][0] = _mm256_fmadd_ps(wj, x0, acc[j][0]);
      acc[j][1] = _mm256_fmadd_ps(wj, x1, acc[j][1]);
    }
  };
  stem_k_loop(t.kc, step);
  alignas(32) static constexpr int kLanes[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
#pragma GCC unroll 4
  for (int j = 0; j < OCB; ++j) {
    if (c0 + j >= t.oc) break;
    const __m256 b = _mm256_set1_ps(t.bias ? t.bias[c0 + j] : 0.f);
    float* yj = t.y + (c0 + j) * t.ldy + seg.y;
#pragma GCC unroll 2
    for (int v = 0; v < 2; ++v) {
      const int64_t n = seg.n - 8 * v;  // pixels of this vector to store
      if (n <= 0) break;
      const __m256 r = apply_fused_activation(_mm256_add_ps(acc[j][v], b), t.act);
      if (n >= 8) _mm256_storeu_ps(yj + 8 * v, r);
      else _mm256_maskstore_ps(yj + 8 * v, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kLanes + 8 - n)), r);
    }
  }
}

}  // namespace

void conv2d_stem_ukernel_4x16__avx2(const StemTile& t) {
  for (int64_t i = 0; i < t.n_segs; ++i)
    for (int64_t c0 = 0; c0 < t.oc; c0 += OCB) stem_pass(t, t.segs[i], t.w + c0 * t.kc, c0);
}

}  // namespace tessera::kernels
