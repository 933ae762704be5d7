// Depthwise conv at stride 1, 'same' padding, on small maps, AVX2 + FMA: planes as flat
// runs, 8 outputs to a vector (the AVX-512 kernel's scheme, x86/dwconv2d_flat_f32__avx512.cpp).
//
// Output f = oh * W + ow takes tap (kh, kw) from input f + offset[tap], the same offset for
// every output; so 8 consecutive outputs of a plane, across row ends, read one masked load
// a tap (masked-off lanes neither fault nor count). The lane masks (DwFlat's 16-lane bits,
// split in two) are widened once per call. The in-place kernel gives each 7-wide row of a
// small map its own vector and pays its per-plane set-up (column masks, row blocks, edge
// cases) for 49 outputs; here a call's planes share one table.
#include <immintrin.h>

#include <utility>

#include "kernels/conv2d.h"
#include "kernels/x86/dwconv_flat_planes.h"
#include "kernels/x86/fused_activation__avx2.h"
#include "kernels/x86/vmath_f32__avx2.h"

namespace tessera::kernels {

namespace {

// For flat_run (kernels/x86/dwconv_flat_planes.h): the lane masks widened to vectors,
// [tap][V], once per call.
template <int V>
struct FlatOps {
  using Vec = __m256;
  static constexpr int64_t kLanes = 8;
  const __m256i* masks;
  Vec set1(float x) const { return _mm256_set1_ps(x); }
  __m256i mask(int64_t tap, int v) const { return _mm256_load_si256(masks + tap * V + v); }
  Vec load(__m256i m, const float* p) const { return _mm256_maskload_ps(p, m); }
  Vec fma(Vec a, Vec b, Vec c) const { return _mm256_fmadd_ps(a, b, c); }
  Vec activate(Vec v, FusedActivation act) const { return apply_fused_activation(v, act); }
  void store(float* p, Vec v) const { _mm256_storeu_ps(p, v); }
  void store_tail(float* p, Vec v, int64_t n) const { _mm256_maskstore_ps(p, avx2::tail_mask(n), v); }
};

template <int V>
void run_flat(const DepthwiseArgs& a, const Conv2dShape& s, const DwFlat& f) {
  alignas(32) __m256i masks[DwFlat::kMaxTaps * V];
  const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  for (int64_t k = 0; k < f.taps; ++k)
    for (int v = 0; v < V; ++v) {
      const int bits = (f.mask[k * DwFlat::kMaxVectors + v / 2] >> (8 * (v % 2))) & 0xFF;
      masks[k * V + v] = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(bits), bit), bit);
    }
  // Sixteen registers: two planes at a time while their sums fit beside their weights, a
  // mask and a tap. (Maps of 5 to 8 vectors split into two chunks of two planes: level.)
  flat_run<V, V <= 4 ? 2 : 1>(FlatOps<V>{masks}, a, s, f);
}

template <int... Vs>
void dispatch(const DepthwiseArgs& a, const Conv2dShape& s, const DwFlat& f, std::integer_sequence<int, Vs...>) {
  const int64_t vectors = (s.H * s.W + 7) / 8;
  ((vectors == Vs + 1 ? run_flat<Vs + 1>(a, s, f) : void()), ...);
}

}  // namespace

void dwconv2d_flat_f32__avx2(const DepthwiseArgs& a, const Conv2dShape& s, const DwFlat& f) {
  dispatch(a, s, f, std::make_integer_sequence<int, 2 * DwFlat::kMaxVectors>{});
}

}  // namespace tessera::kernels
