#include "kernels/conv2d_stem.h"

#include <algorithm>
#include <vector>

#include "kernels/conv2d_phases.h"
#include "kernels/parallel.h"
#include "tensor/error.h"

namespace tessera::kernels {

namespace {
constexpr int64_t kStemOC = 4;  // output channels per tile, the broadcast side
}

// Stride-1/2 kernels up to 7x7 over at most 4 channels. One thread, alternating with the
// direct path in one process, AVX-512 (AVX2): VGG's 3 -> 64 3x3 at 224^2 1.9x (3.0x), a
// CIFAR 3 -> 64 3x3 at 32^2 2.4x (2.7x), MobileNetV3's 3 -> 16 3x3 s2 1.4x (+3 %),
// ResNet's 7x7 s2 +4 % (+3 %), MobileNetV2's 3 -> 32 3x3 s2 -7 to +5 % (level), a
// 1-channel 28^2 map (Fashion-MNIST) 1.5x (1.2x). Not wider strides: an 11x11 s4
// (AlexNet) ran 9-12 % slower, a 16x16 s16 patchify (ViT) 47 %, where a tile's input
// outgrows L1. With 8 and 16 input channels it still won at 112^2 and 3x3 s1 (+9 %,
// +3 %), but lost on smaller maps and at stride 2 (-7 to -20 %).
bool use_stem(Isa isa, const Conv2dShape& s) {
  return isa != Isa::ref && s.groups == 1 && s.C <= kStemMaxChannels && !s.is_pointwise() && s.SH <= 2 &&
         s.SW <= 2 && s.KH <= 7 && s.KW <= 7;
}

std::shared_ptr<float> pack_stem_weights(const float* w, const Conv2dShape& s) {
  const int64_t K = s.C * s.KH * s.KW, blocks = (s.OC + kStemOC - 1) / kStemOC;
  const std::shared_ptr<float> packed = packed_buffer(blocks * K * kStemOC, "conv2d: packing weights");
  float* buf = packed.get();
  for (int64_t t = 0; t < blocks; ++t)
    for (int64_t k = 0; k < K; ++k)
      for (int64_t j = 0; j < kStemOC; ++j) {
        const int64_t oc = t * kStemOC + j;
        buf[(t * K + k) * kStemOC + j] = oc < s.OC ? w[oc * K + k] : 0.f;
      }
  return packed;
}

// Segments of 16 pixels along each output row, numbered row by row; a tile takes the next
// kStemSegments of them, across a row end if need be, so only a row's last segment runs
// short. Threads split the tiles in contiguous runs and build the phase rows under their
// own run, then go through all output channels for each tile while its input is in L1.
void conv2d_stem(float* y, const float* x, const PackedConv2d& w, const float* bias, FusedActivation act,
                 const Conv2dShape& s) {
  const int64_t OH = s.OH(), OW = s.OW(), K = s.C * s.KH * s.KW;
  const PhaseLayout L = phase_layout(s);
  const auto kernel = w.isa == Isa::avx2 ? conv2d_stem_ukernel_4x16__avx2 : conv2d_stem_ukernel_4x16__avx512;
  thread_local std::vector<int64_t> offsets_buf;
  int64_t* offsets = grow(offsets_buf, static_cast<size_t>(K));
  build_offsets(offsets, s.C, s, L);
  const int64_t per_row = (OW + 15) / 16, segs = OH * per_row;
  const int64_t tiles = (segs + kStemSegments - 1) / kStemSegments;
  for (int64_t n = 0; n < s.N; ++n) {
    const float* xn = x + n * s.C * s.H * s.W;
    float* yn = y + n * s.OC * OH * OW;
    parallel_for(tiles, 1, [&](int64_t t0, int64_t t1) {
      // A row's last segment loads 16 pixels, past its row (past the last plane for the
      // last row, into the band's slack).
      thread_local std::vector<float> planes_buf;
      const int64_t oh0 = t0 * kStemSegments / per_row;
      const int64_t oh1 = (std::min(segs, t1 * kStemSegments) - 1) / per_row + 1;
      const float* band = build_phase_band(planes_buf, xn, s.C, s, L, oh0, oh1);
      StemTile t;
      t.kc = K;
      t.x = band;
      t.x_offsets = offsets;
      t.w = w.stem.get();
      t.y = yn;
      t.ldy = OH * OW;
      t.oc = s.OC;
      t.bias = bias;
      t.act = act;
      StemSegment seg[kStemSegments];
      t.segs = seg;
      for (int64_t tile = t0; tile < t1; ++tile) {
        const int64_t first = tile * kStemSegments;
        t.n_segs = std::min(kStemSegments, segs - first);
        for (int64_t i = 0; i < t.n_segs; ++i) {
          const int64_t oh = (first + i) / per_row, ow = (first + i) % per_row * 16;
          seg[i] = StemSegment{oh * L.Wq + ow, oh * OW + ow, std::min<int64_t>(16, OW - ow)};
        }
        kernel(t);
      }
    });
  }
}

}  // namespace tessera::kernels
