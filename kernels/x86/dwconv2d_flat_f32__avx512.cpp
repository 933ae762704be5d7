// Depthwise conv at stride 1, 'same' padding, on small maps, AVX-512: planes as flat runs.
//
// With OW == W, output f = oh * W + ow takes tap (kh, kw) from input
// f + (kh * DH - PH) * W + kw * DW - PW: the same offset for every output. So 16
// consecutive outputs of a plane, across row ends, read 16 consecutive inputs for a tap,
// one load, masked where the tap falls outside its row or the plane (DwFlat in conv2d.h).
// Masked-off lanes neither fault nor count, so the loads may start before the plane or
// run past it. A 7x7 map is 4 vectors; 4 planes go together, so that each tap's mask,
// loaded once, serves 4 planes, and 4 x V sums are in flight.
#include <immintrin.h>

#include <utility>

#include "kernels/conv2d.h"
#include "kernels/x86/dwconv_flat_planes.h"
#include "kernels/x86/fused_activation__avx512.h"

namespace tessera::kernels {

namespace {

// For flat_run (kernels/x86/dwconv_flat_planes.h): DwFlat's lane bits are AVX-512 masks.
struct FlatOps {
  using Vec = __m512;
  static constexpr int64_t kLanes = 16;
  const uint16_t* masks;  // DwFlat::mask
  Vec set1(float x) const { return _mm512_set1_ps(x); }
  __mmask16 mask(int64_t tap, int v) const { return masks[tap * DwFlat::kMaxVectors + v]; }
  Vec load(__mmask16 m, const float* p) const { return _mm512_maskz_loadu_ps(m, p); }
  Vec fma(Vec a, Vec b, Vec c) const { return _mm512_fmadd_ps(a, b, c); }
  Vec activate(Vec v, FusedActivation act) const { return apply_fused_activation(v, act); }
  void store(float* p, Vec v) const { _mm512_storeu_ps(p, v); }
  void store_tail(float* p, Vec v, int64_t n) const {
    _mm512_mask_storeu_ps(p, static_cast<__mmask16>(0xFFFFu >> (16 - n)), v);
  }
};

template <int... Vs>
void dispatch(const DepthwiseArgs& a, const Conv2dShape& s, const DwFlat& f, std::integer_sequence<int, Vs...>) {
  const FlatOps ops{f.mask};
  ((f.vectors == Vs + 1 ? flat_run<Vs + 1, 4>(ops, a, s, f) : void()), ...);
}

}  // namespace

void dwconv2d_flat_f32__avx512(const DepthwiseArgs& a, const Conv2dShape& s, const DwFlat& f) {
  dispatch(a, s, f, std::make_integer_sequence<int, DwFlat::kMaxVectors>{});
}

}  // namespace tessera::kernels
