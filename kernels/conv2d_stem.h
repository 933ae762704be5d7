// The stem path (AVX-512 and AVX2, groups == 1, at most kStemMaxChannels input channels): a
// network's first conv, over the image's RGB planes. Internal to kernels/conv2d*.cpp.
//
// There K = C*KH*KW is short: 27 for a 3x3, 147 for ResNet's 7x7. The direct path's tile
// (kernels/conv2d_ukernel.h) keeps channels along the vector and stores transposed, and
// with so few multiply-adds per output the transpose is a large part of each tile. The stem
// tile turns it around: output pixels along the vector, 4 output channels broadcast from
// the weights, so each output row is stored as it lies. The input of a few channels is
// small enough to be read again for every 4 channels from L1.
//
// Microkernel contract: a tile is up to kStemSegments segments of up to 16 output pixels,
// each within one output row (so its input pixels are contiguous in the stride-phase planes
// of kernels/conv2d_phases.h), times every output channel, 4 at a time, each block summed
// over all of K in registers. With w4 = w + (j / 4) * kc * 4:
//   y[j * ldy + seg.y + i] = act(bias[j] + sum_k w4[k * 4 + j % 4] * x[x_offsets[k] + seg.x + i])
// for i < seg.n, j < oc. Loads read all 16 pixels of a segment; the planes have slack past
// their end.
#pragma once
#include <cstdint>
#include <memory>

#include "kernels/conv2d.h"

namespace tessera::kernels {

constexpr int64_t kStemMaxChannels = 4;  // input channels: RGB, RGBA
constexpr int64_t kStemSegments = 6;     // 6 x 4 = 24 accumulators, 4 weights, 1 input vector

struct StemSegment {
  int64_t x, y, n;  // first pixel in the planes and in an output plane; pixels (<= 16)
};

struct StemTile {
  int64_t kc;                // weight positions, (c, kh, kw) order
  const float* x;            // the stride-phase planes
  const int64_t* x_offsets;  // kc offsets (kernels/conv2d_phases.h build_offsets)
  const StemSegment* segs;
  int64_t n_segs;            // 1..kStemSegments
  const float* w;            // pack_stem_weights: blocks of kc rows of 4 output channels
  float* y;                  // output channel 0
  int64_t ldy;               // floats between output channels (OH * OW)
  int64_t oc;                // output channels
  const float* bias;         // oc values, or null
  FusedActivation act;
};

// The kernels' k loop: step(k) for k in [0, kc), three steps an iteration. One step an
// iteration left the loop's own instructions in the FMAs' way: three ran +2 % on ResNet's
// 7x7 stem and +6-8 % at K = 27 (AVX-512); seven no better.
template <typename Step>
[[gnu::always_inline]] inline void stem_k_loop(int64_t kc, Step&& step) {
  int64_t k = 0;
  for (; k + 3 <= kc; k += 3) {
    step(k);
    step(k + 1);
    step(k + 2);
  }
  for (; k < kc; ++k) step(k);
}

void conv2d_stem_ukernel_4x16__avx512(const StemTile& t);
// AVX2: the same tile in passes of one segment x 4 channels (kernels/x86/conv2d_stem_f32__avx2.cpp).
void conv2d_stem_ukernel_4x16__avx2(const StemTile& t);

bool use_stem(Isa isa, const Conv2dShape& s);
// Weights [OC, C, KH, KW] as blocks of 4 output channels: block t holds K rows of
// channels 4t..4t+3, zero past OC.
std::shared_ptr<float> pack_stem_weights(const float* w, const Conv2dShape& s);
void conv2d_stem(float* y, const float* x, const PackedConv2d& w, const float* bias, FusedActivation act,
                 const Conv2dShape& s);

}  // namespace tessera::kernels
