// The direct-convolution microkernel contract: one tile of up to MR = 14 output
// pixels x NR = 32 output channels, summed over the whole K = C*KH*KW in registers.
//
// Pixels are the broadcast side and channels the vector side, the transpose of the
// GEMM path's tile (kernels/gemm_ukernel.h): output rows of 7, 14, 28, 56 or 112 pixels
// then fill tiles exactly, where the GEMM path computes KH-1 dropped columns per row and
// rounds channels up to 14. Input pixel i of the tile, for weight position k, is
//   x[x_offsets[k] + S*i]                         (i < split)
//   x[x_offsets[k] + row_step + S*(i - split)]    (i >= split: a second output row)
// with pixel stride S = 1, or 2 for the "s2" kernels. x is either the stride-phase
// planes of kernels/conv2d_phases.h (zero-padded) or the image itself.
// The tile is stored transposed, channel by channel, as m contiguous output pixels.
//
// Border tiles skip the multiply-adds that would only read padding, as a direct conv
// should: the tile's K range comes as segments, each naming the pixels it leaves out.
// On a 14x14 map a 3x3 conv's padding taps are 9 % of the work, on 7x7 18 %. On padded
// planes skipping is only for speed; a padded conv that reads the image itself relies
// on it: every skipped read would fall outside the image.
#pragma once
#include <cstdint>

#include "kernels/fused_activation.h"

namespace tessera::kernels {

// Pixels a segment leaves out (bits of ConvSegment::skip).
enum ConvSkip : unsigned {
  kSkipRowA = 1,   // pixels < split: their output row's kernel row lies in the padding
  kSkipRowB = 2,   // pixels >= split (the second row of a two-row tile)
  kSkipLeft = 4,   // KW == 3: at kw = 0 (every third k), the first pixel of each row
  kSkipRight = 8,  // KW == 3: at kw = 2, the last pixel of each row
};

// Weight positions [k0, k1); with kSkipLeft/kSkipRight, k0 is a multiple of 3 (kw = 0).
struct ConvSegment {
  int64_t k0, k1;
  unsigned skip;
};

// Pixels (bit i = pixel i) that a segment with these skip bits sums at kw = 0, 1, 2
// of each group of three k (all three alike without kSkipLeft/kSkipRight).
template <int MR, int Split>
constexpr unsigned active_pixels(unsigned skip, int kw) {
  const unsigned row_a = (1u << Split) - 1, row_b = ((1u << MR) - 1) & ~row_a;
  unsigned a = (skip & kSkipRowA ? 0 : row_a) | (skip & kSkipRowB ? 0 : row_b);
  const unsigned first = 1u | (Split < MR ? 1u << Split : 0), last = 1u << (Split - 1) | 1u << (MR - 1);
  if (kw == 0 && (skip & kSkipLeft)) a &= ~first;
  if (kw == 2 && (skip & kSkipRight)) a &= ~last;
  return a;
}

struct ConvTile {
  int64_t kc;                // weight positions summed (the whole K: no partial sums in memory)
  const float* x;            // input of pixel 0 for k = 0 is x[x_offsets[0]]
  const int64_t* x_offsets;  // kc offsets
  const ConvSegment* segments;  // the K ranges to sum, or null for all of [0, kc)
  int64_t n_segments;
  int64_t row_step;          // two-row tiles: distance to the second row's first pixel
  const float* w;            // packed weights: kc rows of 32 output channels (zero-padded)
  float* y;                  // output pixel 0 of channel 0 of the tile
  int64_t ldy;               // floats between output channels (OH * OW)
  int64_t m, n;              // pixels (<= 14) and channels (<= 32) stored
  const float* bias;         // n values, or null
  FusedActivation act;
  bool prefetch_y;           // fetch the tile's output lines into L1 during its first k steps (an output larger than L2)
};

using ConvTileFn = void (*)(const ConvTile& t);

// One output row segment of 14 pixels (split = 14), two rows of 7 (split = 7), or
// one row of 7 (MR = 7: the odd last row of a 7x7 map, at half the cost of a 14 tile).
void conv2d_direct_ukernel_14x32__avx512(const ConvTile& t);
void conv2d_direct_ukernel_2x7x32__avx512(const ConvTile& t);
void conv2d_direct_ukernel_7x32__avx512(const ConvTile& t);
// The same tiles reading every second input pixel: a stride-2 conv on the image in place.
void conv2d_direct_ukernel_14x32s2__avx512(const ConvTile& t);
void conv2d_direct_ukernel_2x7x32s2__avx512(const ConvTile& t);
void conv2d_direct_ukernel_7x32s2__avx512(const ConvTile& t);
// AVX2: the same tiles in passes of 5 pixels x 16 channels (kernels/x86/conv2d_direct_f32__avx2.cpp).
void conv2d_direct_ukernel_14x32__avx2(const ConvTile& t);
void conv2d_direct_ukernel_2x7x32__avx2(const ConvTile& t);
void conv2d_direct_ukernel_7x32__avx2(const ConvTile& t);
void conv2d_direct_ukernel_14x32s2__avx2(const ConvTile& t);
void conv2d_direct_ukernel_2x7x32s2__avx2(const ConvTile& t);
void conv2d_direct_ukernel_7x32s2__avx2(const ConvTile& t);

}  // namespace tessera::kernels
