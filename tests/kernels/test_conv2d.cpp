// Conv2d: every ISA path vs the ref loop nest, over awkward shapes: 1x1 (GEMM on the
// image), 3x3/5x5/7x7 with stride, padding, dilation, groups, depthwise, odd sizes
// (prime H/W/C), batch > 1, bias and fused ReLU/ReLU6.
//
// Tolerance: the same float dot-product bound as GEMM, with K = C/groups*KH*KW:
//   |y - y_ref| <= 2 (K + 2) 2^-24 sum |x w|;  we check against 4x that bound using
// the exact sum of magnitudes (fast and ref may round in different orders).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/conv2d.h"
#include "kernels/conv2d_phases.h"
#include "kernels/parallel.h"
#include "kernels/ref/conv2d_f32.h"
#include "tensor/error.h"
#include "tensor/rng.h"

using namespace tessera;
using namespace tessera::kernels;

namespace {

double check_conv(const Conv2dShape& s, FusedActivation act, bool with_bias) {
  Generator g(s.C * 31 + s.OC * 7 + s.H + s.KH);
  std::vector<float> x(s.N * s.C * s.H * s.W), w(s.OC * (s.C / s.groups) * s.KH * s.KW), b(s.OC);
  g.fill_normal(x.data(), x.size());
  g.fill_normal(w.data(), w.size());
  g.fill_normal(b.data(), b.size());
  const size_t ny = s.N * s.OC * s.OH() * s.OW();
  std::vector<float> y(ny, NAN), yref(ny), ymag(ny);
  ref::conv2d_f32(yref.data(), x.data(), w.data(), with_bias ? b.data() : nullptr, act, s);
  // magnitudes: the same conv on |x|, |w|
  std::vector<float> ax(x), aw(w);
  for (float& v : ax) v = std::fabs(v);
  for (float& v : aw) v = std::fabs(v);
  ref::conv2d_f32(ymag.data(), ax.data(), aw.data(), nullptr, FusedActivation::none, s);
  const PackedConv2d pw = pack_conv2d(w.data(), s);
  conv2d_f32(y.data(), x.data(), pw, with_bias ? b.data() : nullptr, act, s);
  const double K = double(s.C / s.groups * s.KH * s.KW);
  double worst = 0;
  for (size_t i = 0; i < ny; ++i) {
    const double bound = 4 * (K + 2) * std::ldexp(1.0, -24) * (ymag[i] + 1.0);
    const double err = std::fabs(double(y[i]) - yref[i]);
    worst = std::max(worst, std::isnan(err) ? INFINITY : err / bound);
  }
  return worst;
}

Conv2dShape conv(int64_t n, int64_t c, int64_t h, int64_t w, int64_t oc, int64_t k, int64_t stride, int64_t pad,
                 int64_t dil = 1, int64_t groups = 1) {
  Conv2dShape s;
  s.N = n, s.C = c, s.H = h, s.W = w, s.OC = oc, s.KH = s.KW = k, s.SH = s.SW = stride, s.PH = s.PW = pad;
  s.DH = s.DW = dil, s.groups = groups;
  return s;
}

}  // namespace

TEST_CASE("conv2d: every ISA path matches the ref loop nest within the dot-product bound") {
  const Isa saved = active_isa();
  std::vector<Conv2dShape> shapes = {
      // at most 4 input channels: the stem path (its own kernel on AVX-512 and AVX2)
      conv(1, 3, 23, 19, 16, 7, 2, 3),         // ResNet stem, odd image
      conv(1, 3, 30, 30, 64, 7, 2, 3),         // stem: 16 channel blocks, tiles across rows of 12
      conv(1, 3, 224, 224, 64, 7, 2, 3),       // the real stem: 112 = 7 segments a row, tiles of 6
      conv(2, 3, 33, 35, 30, 3, 1, 1),         // VGG-like 3x3 s1, batch 2: segments 16 + 16 + 3, 2-channel tail block
      conv(1, 1, 28, 28, 32, 3, 1, 1),         // one channel (Fashion-MNIST), tiles across rows of 28
      conv(1, 4, 17, 13, 5, 3, 2, 2, 2),       // RGBA, stride 2, dilation 2: one 4-channel block and 1 channel
      conv(1, 2, 5, 40, 7, 5, 2, 0),           // no padding, one output row of 18 pixels
      conv(1, 3, 20, 20, 8, 3, 4, 1),          // stride 4: the direct path
      conv(2, 16, 13, 13, 29, 3, 1, 1),        // 3x3 s1, prime OC, batch 2
      conv(1, 17, 11, 9, 33, 3, 2, 1),         // 3x3 s2, tails everywhere
      conv(1, 64, 7, 7, 130, 1, 1, 0),         // 1x1 over 64 channels: GEMM on the image on every path
      conv(1, 64, 2, 3, 130, 1, 1, 0),         // the same on 6 pixels: the narrow kernel, 4 A panels a call, B in place
      conv(1, 24, 63, 57, 78, 1, 1, 0),        // 1x1 GEMM, K 24 into a C over 1 MiB: A panels outside B panels, 7-column last panel
      conv(1, 56, 61, 59, 75, 1, 1, 0),        // the same with K 56: B copied whole, threads split columns, 15-column last panel
      conv(1, 40, 37, 29, 50, 1, 1, 0),        // 1x1 GEMM over 1073 pixels: B panels copied from the image, 17-column last panel
      conv(1, 48, 33, 35, 96, 3, 1, 1, 1, 2),  // grouped 3x3, 48 channels a group: panels copied from padded planes, narrow last
      conv(1, 65, 7, 7, 130, 1, 1, 0),         // 1x1 direct in place, two-row tiles
      conv(1, 100, 33, 32, 70, 1, 1, 0),       // 1x1 over 100 channels on 1056 pixels: the GEMM path, B panels copied
      conv(1, 150, 47, 45, 130, 1, 1, 0),      // 1x1 GEMM, K 150 into a C over 1 MiB: C-major over B copied whole
      conv(1, 256, 33, 33, 250, 1, 1, 0),      // the same with K 256: two A blocks share one copy of B
      conv(1, 48, 40, 41, 100, 1, 1, 0),       // C-major from 512 KiB on 1640 pixels, an 8-column last panel read in place
      conv(1, 40, 75, 71, 200, 1, 2, 0),       // stride-2 1x1 into a C over 1 MiB: the GEMM on the phase copy, C-major
      conv(1, 40, 9, 11, 64, 1, 1, 0),         // 1x1 over 40 channels into 64: direct, 99 pixels, a 1-pixel tail
      conv(1, 72, 5, 9, 40, 1, 1, 0),          // 1x1 direct in place: 45 pixels, a 3-pixel tail tile
      conv(2, 80, 4, 4, 20, 1, 1, 0),          // 1x1 direct in place: batch 2, 16 pixels
      conv(1, 260, 47, 49, 70, 1, 1, 0),       // 1x1 direct, input over 2 MiB: pixel-major, 3 panels, 7-pixel tail
      conv(1, 24, 10, 10, 40, 1, 2, 0),        // 1x1 stride 2 to 5x5: phase planes (direct)
      conv(1, 8, 15, 15, 8, 5, 1, 4, 2),       // dilation 2, big padding
      conv(1, 20, 7, 7, 70, 3, 1, 1),          // direct: two-row tiles of 7, odd OH, 6-channel tail panel
      conv(2, 8, 14, 14, 40, 3, 2, 1),         // direct: stride 2 down to 7x7, batch 2
      conv(1, 6, 30, 30, 33, 3, 1, 1),         // direct: 14-pixel tiles with a 2-pixel tail
      conv(1, 8, 5, 5, 17, 3, 1, 0),           // direct: rows of 3 pixels
      // the direct path reading the padded image in place, skipping exactly the border taps:
      conv(2, 10, 14, 28, 40, 3, 1, 1),        // 3x3 s1: first and last tiles of each row
      conv(1, 9, 14, 14, 33, 3, 1, 1),         // 3x3 s1: one tile per row skips both columns
      conv(1, 7, 27, 27, 20, 3, 2, 1),         // 3x3 s2, odd W: the last column's kw = 2 is padding
      conv(1, 3, 9, 131, 8, 3, 2, 1),          // stem s2 over 131 columns: phase rows of 66, gathered row by row
      conv(1, 6, 7, 150, 20, 3, 2, 1),         // the same on the direct path: phase rows of 76
      conv(2, 12, 14, 14, 36, 3, 2, 1),        // 3x3 s2 down to 7x7: two-row tiles
      conv(1, 5, 13, 13, 16, 3, 2, 1),         // 3x3 s2 odd down to 7x7
      conv(1, 6, 14, 7, 32, 3, 1, 1),          // 3x3 s1 7 wide, even OH: last pair's second row
      conv(1, 16, 28, 28, 24, 1, 2, 0),        // 1x1 s2 (downsample) to 14x14
      conv(2, 16, 13, 13, 40, 1, 2, 0),        // 1x1 s2 to 7x7
      conv(1, 10, 28, 28, 520, 1, 2, 0),       // 1x1 s2 in place, 17 panels: pixel-major
      conv(1, 20, 14, 14, 1030, 1, 2, 0),      // 1x1 s2, >= 1024 channels: a gathered plane, 6-channel tail panel
      conv(2, 9, 9, 27, 1024, 1, 2, 0),        // the same gather, 5x14 outputs, batch 2
      conv(1, 12, 9, 9, 18, 3, 1, 1, 1, 3),    // grouped
      conv(1, 128, 9, 9, 96, 3, 1, 1, 1, 2),   // grouped, K = 576 on an 81-pixel map: B panels copied
      conv(1, 300, 7, 7, 40, 1, 1, 0),         // 1x1, K = 300 on 7x7 (the AVX2 path's GEMM): B panels copied
      conv(2, 32, 10, 10, 48, 3, 1, 1, 1, 8),  // 8 groups, batch 2
      conv(1, 40, 11, 11, 40, 3, 2, 1, 1, 5),  // 5 groups at stride 2: phase planes
      conv(1, 64, 9, 9, 96, 3, 1, 1, 1, 2),    // 2 groups of 32 -> 48: each a direct conv of its own
      conv(2, 128, 8, 8, 128, 3, 2, 1, 1, 4),  // 4 groups of 32 at stride 2, batch 2
      conv(2, 32, 17, 17, 32, 3, 1, 1, 1, 32), // depthwise 3x3 s1
      conv(1, 19, 14, 31, 19, 3, 2, 1, 1, 19), // depthwise 3x3 s2, W not a multiple of 16
      conv(1, 16, 12, 12, 16, 7, 1, 3, 1, 16), // depthwise 7x7 (ConvNeXt)
      // depthwise in place (3x3/5x5/7x7, stride 1/2): column blocks of 4, 3, 2, 1 vectors,
      // rows past the last block of R, no padding, padding wider than the kernel's reach
      conv(1, 6, 9, 150, 6, 3, 1, 1, 1, 6),    // 3x3 s1, OW 150: blocks of 64, 64, 22 columns; OH 9
      conv(1, 5, 21, 70, 5, 5, 2, 2, 1, 5),    // 5x5 s2, OW 35: three vectors
      conv(2, 4, 11, 100, 4, 5, 1, 2, 1, 4),   // 5x5 s1, OW 100: 64 + 36
      conv(1, 3, 10, 40, 3, 7, 2, 3, 1, 3),    // 7x7 s2
      conv(1, 4, 9, 9, 4, 3, 2, 0, 1, 4),      // 3x3 s2, no padding
      // 65-128 output columns: row blocks outermost, two column blocks each
      conv(1, 3, 15, 112, 3, 3, 1, 1, 1, 3),   // 3x3 s1, OW 112 (MobileNetV2): 64 + 48, OH 15 = 3 x 4 + 3
      conv(1, 2, 6, 96, 2, 3, 1, 0, 1, 2),     // no padding, OW 94: 64 + 30
      conv(1, 2, 9, 80, 2, 7, 1, 3, 1, 2),     // 7x7 s1, OW 80: 64 + 16
      conv(1, 2, 10, 256, 2, 5, 2, 2, 1, 2),   // 5x5 s2, OW 128: 64 + 64
      conv(1, 3, 13, 29, 3, 7, 1, 3, 1, 3),    // two vectors take 4 rows: 7x7 s1, OW 29, OH 13 = 3 x 4 + 1
      conv(1, 4, 11, 60, 4, 5, 2, 2, 1, 4),    // 5x5 s2, OW 30, OH 6: a block past the last row
      conv(1, 3, 17, 27, 3, 5, 2, 2, 1, 3),    // 5x5 s2, OW 14: one vector, its lanes shuffled and put back
      // 3x3 s2 takes tap 2 from the next vector's tap 0: across 4, 3 and 2 vectors
      conv(1, 3, 12, 150, 3, 3, 2, 1, 1, 3),   // OW 75: 64 + 11 columns
      conv(1, 2, 30, 112, 2, 3, 2, 1, 1, 2),   // OW 56 (MobileNet 112 -> 56): 3.5 vectors
      conv(1, 4, 10, 70, 4, 3, 2, 1, 1, 4),    // OW 35: three vectors, odd last column
      conv(1, 2, 9, 64, 2, 3, 2, 0, 1, 2),     // no padding, OW 31: two vectors
      conv(1, 3, 6, 20, 3, 3, 1, 3, 1, 3),     // 3x3 s1, padding 3: rows and columns of zeros only
      conv(2, 20, 14, 14, 20, 3, 1, 1, 1, 20), // one vector, 14 rows: two blocks of 7
      conv(1, 6, 14, 13, 6, 5, 1, 2, 1, 6),    // the same for 5x5
      conv(1, 10, 28, 27, 10, 3, 2, 1, 1, 10), // 28 -> 14 at stride 2, blocks of 7
      conv(1, 4, 21, 12, 4, 3, 1, 1, 1, 4),    // 21 rows: three blocks of 7
      conv(1, 4, 13, 11, 4, 3, 1, 1, 1, 4),    // 13 rows: blocks of 7, a row past the last
      conv(1, 5, 12, 12, 5, 3, 1, 1, 1, 5),    // 12 rows: blocks of 6
      conv(1, 3, 11, 10, 3, 7, 1, 3, 1, 3),    // 11 rows of a 7x7: blocks of 6
      conv(1, 7, 9, 9, 7, 5, 1, 2, 1, 7),      // 9 rows of a 5x5: blocks of 5
      conv(1, 6, 20, 19, 6, 3, 2, 1, 1, 6),    // 20 -> 10 at stride 2: blocks of 5
      // AVX2 in place: only the vectors whose loads cross a side are masked; the first and
      // last rows' ones by masked loads, the others zeroed after a whole load
      conv(1, 3, 5, 5, 3, 3, 1, 1, 1, 3),      // 3x3 s1 on a 5x5 plane: one vector, every row at a side
      conv(1, 2, 12, 20, 2, 5, 1, 2, 1, 2),    // 5x5 s1, OW 20: left vector of two, then a one-vector block
      conv(1, 2, 16, 33, 2, 7, 2, 3, 1, 2),    // 7x7 s2, OW 17: both sides
      // depthwise on small maps at stride 1, 'same' padding, AVX-512: planes as flat runs
      conv(2, 26, 7, 7, 26, 3, 1, 1, 1, 26),   // 7x7: 4 vectors, 4 planes at a time and 1 + 1 left, batch 2
      conv(1, 5, 8, 8, 5, 3, 1, 1, 1, 5),      // 8x8: the last vector full
      conv(1, 6, 5, 5, 6, 5, 1, 2, 1, 6),      // 5x5 kernel on 5x5: taps past both sides
      conv(1, 7, 7, 6, 7, 3, 1, 2, 2, 7),      // dilation 2, padding 2, a 7 x 6 map
      conv(1, 7, 4, 4, 7, 3, 1, 1, 1, 7),      // 4x4: on AVX2 two vectors, planes in pairs and 1 left
      conv(1, 3, 1, 64, 3, 3, 1, 1, 1, 3),     // one row of 64: a tap's columns span the map
      [] {  // a 5x3 kernel, padding 2 and 1, on 9 x 7
        Conv2dShape s = conv(1, 11, 9, 7, 11, 3, 1, 1, 1, 11);
        s.KH = 5, s.PH = 2;
        return s;
      }(),
      // depthwise at stride 2 onto rows of at most 8, AVX-512: output rows v and v + pairs, inputs by permutes
      conv(2, 13, 11, 11, 13, 5, 2, 2, 1, 13), // 5x5: 6x6 out, 3 pairs, batch 2
      conv(1, 3, 16, 16, 3, 3, 2, 1, 1, 3),    // 16 columns, 8 out: full rows
      conv(1, 6, 20, 9, 6, 3, 2, 0, 1, 6),     // no padding, 9 x 4 out: an odd row, 5 pairs
      conv(1, 4, 2, 16, 4, 3, 2, 1, 1, 4),     // one output row: 1 pair, its second half unused
      conv(1, 5, 4, 3, 5, 5, 2, 2, 1, 5),      // 5x5 onto 2 x 2: every pair's rows partly padding
      conv(1, 3, 33, 14, 3, 3, 2, 1, 1, 3),    // 17 output rows: past 8 pairs, the grid
      conv(1, 6, 15, 5, 6, 5, 2, 2, 1, 6),     // 5x5 over 5 columns, 8 x 3 out: whole loads span rows, the last 3 masked
      conv(1, 7, 23, 29, 7, 5, 2, 2, 1, 7),    // 5x5 onto 12 x 15: on AVX2 two vectors a row, blocks of 4 rows
      conv(1, 3, 12, 32, 3, 3, 2, 1, 1, 3),    // 32 columns onto 16: two full vectors
      // depthwise at stride 1 on up to 16 x 16, AVX-512: a row a vector, all rows in registers
      conv(1, 6, 16, 16, 6, 3, 1, 1, 1, 6),    // 16 x 16: full rows
      conv(1, 5, 11, 9, 5, 5, 1, 2, 1, 5),     // 5x5 on 11 x 9
      conv(1, 3, 9, 8, 3, 3, 1, 1, 1, 3),      // 72 pixels, past the flat kernel's 64: 9 rows of 8
      [] {  // a 3x5 kernel, padding 1 and 2, stride 2: the grid (row pairs take square kernels)
        Conv2dShape s = conv(1, 10, 14, 14, 10, 5, 2, 2, 1, 10);
        s.KH = 3, s.PH = 1;
        return s;
      }(),
      // depthwise on small maps, AVX-512: planes copied into grids of rows of 4 or 8
      conv(2, 24, 7, 7, 24, 3, 1, 0, 1, 24),   // 5x5 out of 7x7 in rows of 8, planes in pairs, batch 2
      conv(1, 18, 3, 3, 18, 3, 1, 0, 1, 18),   // 1x1 out of 3x3 in rows of 4, four planes at a time
      conv(1, 41, 14, 13, 41, 3, 2, 1, 1, 41), // stride 2 down to 7x7, odd W; a plane left after the pairs
      conv(1, 7, 5, 5, 7, 5, 1, 1, 1, 7),      // 5x5 on 5x5, padding 1: reads wrap into the next row's padding
      conv(1, 20, 7, 7, 20, 7, 1, 3, 1, 20),   // 7x7 on 7x7: rows of 16 would be needed, so in place
      conv(1, 18, 3, 3, 18, 3, 1, 1, 1, 18),   // 3x3 map: flat, one vector of 9 lanes
      conv(1, 9, 4, 4, 9, 3, 1, 2, 1, 9),      // 6x6 out of 4x4 in rows of 8, four planes at a time
      conv(1, 33, 9, 16, 33, 3, 2, 0, 1, 33),  // stride 2, no padding, 4 x 7 out of 9 x 16
      conv(1, 17, 14, 14, 17, 5, 2, 2, 1, 17), // 5x5 stride 2 down to 7x7
      conv(1, 6, 40, 6, 6, 3, 1, 1, 1, 6),     // tall and narrow: 20 vectors, 8 at a time
      conv(1, 5, 31, 14, 5, 3, 2, 1, 1, 5),    // the same at stride 2: 16 rows out, 8 row pairs
      conv(1, 6, 5, 5, 6, 3, 1, 2, 1, 6),      // padding 2 for a 3x3: 7 x 7 out of 5 x 5
      conv(1, 7, 9, 15, 7, 3, 2, 0, 1, 7),     // stride 2, odd W, no padding: 8 even and 7 odd columns
      conv(1, 5, 13, 13, 5, 7, 2, 3, 1, 5),    // 7x7 stride 2, padding 3
      conv(1, 6, 9, 17, 6, 3, 2, 0, 1, 6),     // stride 2 over 17 columns: 9 a phase, so in place
      [] {  // a 5x3 kernel, padding 2 and 1
        Conv2dShape s = conv(1, 19, 9, 7, 19, 3, 1, 1, 1, 19);
        s.KH = 5, s.PH = 2;
        return s;
      }(),
      conv(1, 5, 8, 8, 5, 5, 3, 2, 1, 5),      // depthwise stride 3 (generic lane gather)
      conv(1, 9, 6, 5, 9, 3, 1, 0, 2, 9),      // depthwise dilated
  };
  const FusedActivation acts[] = {FusedActivation::none, FusedActivation::relu, FusedActivation::relu6};
  for (Isa isa : supported_isas()) {
    set_active_isa(isa);
    double worst = 0;
    int i = 0;
    for (const Conv2dShape& s : shapes) {
      CAPTURE(std::string(isa_name(isa)));
      CAPTURE(i);
      const double r = check_conv(s, acts[i % 3], i % 2 == 0);
      CHECK(r <= 1.0);
      worst = std::max(worst, r);
      ++i;
    }
    MESSAGE("conv2d ", std::string(isa_name(isa)), ": ", shapes.size(), " shapes, worst error = ", worst,
            " of the bound");
  }
  set_active_isa(saved);
}

TEST_CASE("conv2d: grouped convs with groups of 32 channels or more run a direct conv a group") {
  const Isa saved = active_isa();
  for (Isa isa : supported_isas()) {
    CAPTURE(std::string(isa_name(isa)));
    const bool simd = isa != Isa::ref;
    CHECK(use_grouped_direct(isa, conv(1, 1024, 7, 7, 1024, 3, 1, 1, 1, 32)) == simd);  // ResNeXt-50's last
    CHECK(use_grouped_direct(isa, conv(1, 432, 7, 7, 432, 3, 1, 1, 1, 9)) == simd);     // 48 a group
    CHECK_FALSE(use_grouped_direct(isa, conv(1, 256, 28, 28, 256, 3, 1, 1, 1, 32)));    // 8 a group: GEMM
    CHECK_FALSE(use_grouped_direct(isa, conv(1, 64, 9, 9, 16, 3, 1, 1, 1, 2)));         // 8 out a group
    CHECK_FALSE(use_grouped_direct(isa, conv(1, 64, 9, 9, 64, 3, 1, 1, 1, 64)));        // depthwise
    CHECK_FALSE(use_grouped_direct(isa, conv(1, 64, 9, 9, 64, 3, 1, 1, 1, 1)));
    set_active_isa(isa);
    std::vector<float> w(64 * 32 * 9, 0.5f);
    const PackedConv2d p = pack_conv2d(w.data(), conv(1, 64, 9, 9, 64, 3, 1, 1, 1, 2));
    CHECK(p.per_group.size() == (simd ? 2u : 0u));
    if (simd) CHECK(bool(p.per_group[1].direct));
  }
  set_active_isa(saved);
}

TEST_CASE("conv2d: AVX-512 depthwise convs into rows of at most 8 take the grid kernel") {
  auto dw = [](int64_t c, int64_t h, int64_t k, int64_t stride, int64_t pad, int64_t dil = 1) {
    return conv(1, c, h, h, c, k, stride, pad, dil, c);
  };
  CHECK(use_dwconv_grid(Isa::avx512, dw(960, 7, 3, 1, 0)));          // 7x7 unpadded
  CHECK(use_dwconv_grid(Isa::avx512, dw(576, 14, 3, 2, 1)));         // its 14 -> 7
  CHECK(use_dwconv_grid(Isa::avx512vnni, dw(672, 14, 5, 2, 2)));     // MobileNetV3's 5x5, 14 -> 7
  CHECK_FALSE(use_dwconv_grid(Isa::avx512, dw(960, 7, 5, 1, 2)));    // 5x5 on 7x7: rows of 16, in place
  CHECK_FALSE(use_dwconv_grid(Isa::avx512, dw(768, 7, 7, 1, 3)));    // ConvNeXt's 7x7 on 7x7: the same
  CHECK_FALSE(use_dwconv_grid(Isa::avx512, dw(384, 14, 3, 1, 1)));   // rows of 14: in place
  CHECK_FALSE(use_dwconv_grid(Isa::avx512, dw(192, 28, 3, 2, 1)));   // 28 -> 14: in place
  CHECK_FALSE(use_dwconv_grid(Isa::avx512, dw(32, 7, 3, 1, 2, 2)));  // dilated
  CHECK_FALSE(use_dwconv_grid(Isa::avx512, dw(32, 7, 3, 3, 1)));     // stride 3
  CHECK_FALSE(use_dwconv_grid(Isa::avx2, dw(960, 7, 3, 1, 1)));
  CHECK_FALSE(use_dwconv_grid(Isa::avx512, conv(1, 32, 7, 7, 64, 3, 1, 1, 1, 32)));  // a channel multiplier
  // The narrowest grid rows: 7 outputs of a 3-wide kernel in rows of 8 (the last tap of a
  // row reads the next row's left padding); 5- and 7-wide kernels on 7x7 would need rows
  // of 16, and have no grid.
  CHECK(dwconv_grid(dw(960, 7, 3, 1, 1)).Wg == 8);
  CHECK(dwconv_grid(dw(672, 7, 5, 1, 2)).Wg == 0);
  CHECK(dwconv_grid(dw(768, 7, 7, 1, 3)).Wg == 0);
  CHECK(dwconv_grid(dw(672, 14, 5, 2, 2)).Wg == 8);
  CHECK(dwconv_grid(dw(18, 3, 3, 1, 1)).Wg == 4);
  CHECK(dwconv_grid(dw(576, 14, 3, 2, 1)).Wg == 8);
  CHECK(dwconv_grid(dw(18, 8, 3, 1, 0)).Wg == 8);  // no padding: 6 outputs, taps up to column 7
  CHECK(dwconv_grid(conv(1, 6, 9, 15, 6, 3, 2, 0, 1, 6)).Wg == 8);   // 15 columns at stride 2: 8 a phase
  CHECK(dwconv_grid(conv(1, 6, 9, 17, 6, 3, 2, 0, 1, 6)).Wg == 0);   // 17: 9 a phase
  CHECK_FALSE(use_dwconv_grid(Isa::avx512, conv(1, 6, 9, 17, 6, 3, 2, 0, 1, 6)));
}

TEST_CASE("conv2d: stride-1 'same' depthwise convs on maps of at most 64 pixels run flat") {
  auto dw = [](int64_t c, int64_t h, int64_t k, int64_t stride, int64_t pad, int64_t dil = 1) {
    return conv(1, c, h, h, c, k, stride, pad, dil, c);
  };
  CHECK(use_dwconv_flat(Isa::avx512, dw(960, 7, 3, 1, 1)));          // MobileNetV2's 7x7
  CHECK(use_dwconv_flat(Isa::avx512vnni, dw(960, 7, 5, 1, 2)));      // MobileNetV3's 5x5 on 7x7
  CHECK(use_dwconv_flat(Isa::avx512, dw(512, 8, 3, 1, 1)));          // 64 pixels
  CHECK(use_dwconv_flat(Isa::avx512, dw(8, 7, 3, 1, 2, 2)));         // dilated, still 'same'
  CHECK_FALSE(use_dwconv_flat(Isa::avx512, dw(768, 7, 7, 1, 3)));    // 49 taps
  CHECK_FALSE(use_dwconv_flat(Isa::avx512, dw(384, 14, 3, 1, 1)));   // 196 pixels: in place
  CHECK_FALSE(use_dwconv_flat(Isa::avx512, dw(576, 14, 3, 2, 1)));   // stride 2
  CHECK_FALSE(use_dwconv_flat(Isa::avx512, dw(960, 7, 3, 1, 0)));    // the map shrinks
  // AVX2: 3x3 kernels, and larger ones on maps of at most 32 pixels (four vectors of 8).
  CHECK(use_dwconv_flat(Isa::avx2, dw(960, 7, 3, 1, 1)));
  CHECK(use_dwconv_flat(Isa::avx2, dw(512, 5, 5, 1, 2)));
  CHECK_FALSE(use_dwconv_flat(Isa::avx2, dw(960, 7, 5, 1, 2)));     // 5x5 on 7x7: in place
  CHECK_FALSE(use_dwconv_flat(Isa::avx2, dw(384, 14, 3, 1, 1)));
  CHECK_FALSE(use_dwconv_flat(Isa::ref, dw(960, 7, 3, 1, 1)));
  // The masks of a 3x3 on 7x7: the centre tap reads every output's own pixel; the top-left
  // tap reads 7 outputs back, none of the first row's and none of a row's first column.
  const DwFlat f = dwconv_flat(dw(1, 7, 3, 1, 1));
  CHECK(f.vectors == 4);
  CHECK(f.taps == 9);
  CHECK(f.offset[4] == 0);
  CHECK(f.offset[0] == -8);
  CHECK(f.mask[4 * DwFlat::kMaxVectors + 0] == 0xFFFF);
  CHECK(f.mask[4 * DwFlat::kMaxVectors + 3] == 0x0001);  // output 48, the last
  for (int l = 0; l < 16; ++l) {
    const bool top_left_reads = l >= 7 && l % 7 != 0;
    CHECK(((f.mask[0] >> l) & 1) == unsigned(top_left_reads));
  }
  // One row of 64: the centre tap reads all 64 lanes, the left one all but the first.
  const DwFlat row = dwconv_flat(conv(1, 1, 1, 64, 1, 3, 1, 1, 1, 1));
  CHECK(row.vectors == 4);
  for (int v = 0; v < 4; ++v) CHECK(row.mask[4 * DwFlat::kMaxVectors + v] == 0xFFFF);
  CHECK(row.mask[3 * DwFlat::kMaxVectors + 0] == 0xFFFE);
  CHECK(row.mask[5 * DwFlat::kMaxVectors + 3] == 0x7FFF);
  CHECK(row.mask[1 * DwFlat::kMaxVectors + 0] == 0);  // kh = 0 reads the row above: none
}

TEST_CASE("conv2d: AVX-512 stride-2 depthwise convs onto rows of at most 8 take output rows in pairs") {
  auto dw = [](int64_t c, int64_t h, int64_t k, int64_t stride, int64_t pad) {
    return conv(1, c, h, h, c, k, stride, pad, 1, c);
  };
  CHECK(use_dwconv_row_pairs(Isa::avx512, dw(576, 14, 3, 2, 1)));       // MobileNetV2's 14 -> 7
  CHECK(use_dwconv_row_pairs(Isa::avx512vnni, dw(672, 14, 5, 2, 2)));   // MobileNetV3's 5x5
  CHECK(use_dwconv_row_pairs(Isa::avx512, dw(8, 16, 3, 2, 1)));         // rows of 16 columns
  CHECK_FALSE(use_dwconv_row_pairs(Isa::avx512, dw(8, 17, 3, 2, 1)));   // 17: two loads a row
  CHECK_FALSE(use_dwconv_row_pairs(Isa::avx512, dw(384, 13, 7, 2, 3))); // 7x7: the grid
  CHECK_FALSE(use_dwconv_row_pairs(Isa::avx512, dw(192, 28, 3, 2, 1))); // 14 out: in place
  CHECK_FALSE(use_dwconv_row_pairs(Isa::avx512, dw(960, 7, 3, 1, 1)));  // stride 1
  CHECK(use_dwconv_row_pairs(Isa::avx512, conv(1, 3, 32, 14, 3, 3, 2, 1, 1, 3)));        // 16 rows out: 8 pairs
  CHECK_FALSE(use_dwconv_row_pairs(Isa::avx512, conv(1, 3, 33, 14, 3, 3, 2, 1, 1, 3)));  // 17: past 8 pairs
  // Output rows v and v + 4 of a 7-row map share a vector: input row pair 1 (rows 0 and 8)
  // serves tap row 1 of vector 0; pair 0's first row (-1) lies in the padding.
  const DwRowPairs r = dwconv_row_pairs(dw(1, 14, 3, 2, 1));
  CHECK(r.pairs == 4);
  CHECK(r.row[1][0] == 0);
  CHECK(r.row[1][1] == 8 * 14);
  CHECK(r.row_mask[0][0] == 0);
  CHECK(r.row_mask[0][1] == 0x3FFF);
  CHECK(r.row_mask[8][1] == 0);  // row 7 + 8 = 15: past the 14 rows
  CHECK(r.pick[0][0] == 0);      // lane 0, column -1: padding, so not valid
  CHECK((r.valid[0] & 1) == 0);
  CHECK(r.pick[2][8] == 16 + 1); // lane 8: the second row's column 1
  CHECK_FALSE(use_dwconv_row_pairs(Isa::avx2, dw(576, 14, 3, 2, 1)));
}

TEST_CASE("conv2d: AVX-512 depthwise convs on maps of at most 16 x 16 out keep a plane's rows in registers") {
  auto dw = [](int64_t c, int64_t h, int64_t k, int64_t stride, int64_t pad) {
    return conv(1, c, h, h, c, k, stride, pad, 1, c);
  };
  CHECK(use_dwconv_rows_s1(Isa::avx512, dw(576, 14, 3, 1, 1)));          // MobileNetV2's 14 x 14
  CHECK(use_dwconv_rows_s1(Isa::avx512vnni, dw(672, 14, 5, 1, 2)));      // MobileNetV3's 5x5
  CHECK(use_dwconv_rows_s1(Isa::avx512, dw(8, 16, 3, 1, 1)));            // 16 rows of 16
  CHECK_FALSE(use_dwconv_rows_s1(Isa::avx512, dw(960, 7, 3, 1, 1)));     // 49 pixels: flat
  CHECK_FALSE(use_dwconv_rows_s1(Isa::avx512, dw(8, 17, 3, 1, 1)));      // 17 columns
  CHECK_FALSE(use_dwconv_rows_s1(Isa::avx512, conv(1, 8, 17, 16, 8, 3, 1, 1, 1, 8)));  // 17 rows
  CHECK_FALSE(use_dwconv_rows_s1(Isa::avx512, dw(8, 14, 3, 1, 0)));      // no padding
  CHECK_FALSE(use_dwconv_rows_s1(Isa::avx512, dw(8, 14, 7, 1, 3)));      // 7x7
  CHECK_FALSE(use_dwconv_rows_s1(Isa::avx2, dw(576, 14, 3, 1, 1)));
  // At stride 2, rows of 17 to 32 columns (those of at most 16 take the row pairs).
  CHECK(use_dwconv_rows_s2_avx512(Isa::avx512, dw(192, 28, 3, 2, 1)));        // MobileNetV2's 28 -> 14
  CHECK(use_dwconv_rows_s2_avx512(Isa::avx512, dw(240, 28, 5, 2, 2)));        // 5x5
  CHECK(use_dwconv_rows_s2_avx512(Isa::avx512, dw(8, 32, 3, 2, 1)));          // 32 columns, 16 rows out
  CHECK_FALSE(use_dwconv_rows_s2_avx512(Isa::avx512, dw(576, 14, 3, 2, 1)));  // the row pairs
  CHECK_FALSE(use_dwconv_rows_s2_avx512(Isa::avx512, dw(8, 33, 3, 2, 1)));    // 33 columns
  CHECK_FALSE(use_dwconv_rows_s2_avx512(Isa::avx512, dw(8, 28, 3, 2, 0)));    // no padding
  CHECK_FALSE(use_dwconv_rows_s2_avx512(Isa::avx2, dw(192, 28, 3, 2, 1)));
}

TEST_CASE("conv2d: AVX2 stride-2 depthwise convs from rows of at most 32 take 8 output columns a vector") {
  auto dw = [](int64_t c, int64_t h, int64_t k, int64_t stride, int64_t pad) {
    return conv(1, c, h, h, c, k, stride, pad, 1, c);
  };
  CHECK(use_dwconv_rows_s2_avx2(Isa::avx2, dw(576, 14, 3, 2, 1)));                              // MobileNetV2's 14 -> 7
  CHECK(use_dwconv_rows_s2_avx2(Isa::avx2, dw(672, 14, 5, 2, 2)));                              // MobileNetV3's 5x5
  CHECK(use_dwconv_rows_s2_avx2(Isa::avx2, dw(8, 16, 3, 2, 1)));                                // 8 x 8 out
  CHECK(use_dwconv_rows_s2_avx2(Isa::avx2, dw(192, 28, 3, 2, 1)));                              // 14 columns: 2 vectors
  CHECK(use_dwconv_rows_s2_avx2(Isa::avx2, conv(1, 3, 40, 32, 3, 3, 2, 1, 1, 3)));             // 20 rows: blocks of 4
  CHECK_FALSE(use_dwconv_rows_s2_avx2(Isa::avx2, dw(144, 56, 3, 2, 1)));                        // 28 columns out
  CHECK_FALSE(use_dwconv_rows_s2_avx2(Isa::avx2, dw(8, 15, 3, 2, 0)));                          // no padding
  CHECK_FALSE(use_dwconv_rows_s2_avx2(Isa::avx2, dw(8, 13, 7, 2, 3)));                          // 7x7
  CHECK_FALSE(use_dwconv_rows_s2_avx2(Isa::avx512, dw(576, 14, 3, 2, 1)));                      // the row pairs
}

TEST_CASE("conv2d: convs over at most 4 channels take the stem path, stride <= 2 and up to 7x7") {
  const Isa saved = active_isa();
  auto path = [](const Conv2dShape& s) {
    std::vector<float> w(s.OC * s.C * s.KH * s.KW, 0.5f);
    const PackedConv2d p = pack_conv2d(w.data(), s);
    return std::string(p.stem ? "stem" : p.direct ? "direct" : "gemm");
  };
  for (Isa isa : supported_isas()) {
    if (isa == Isa::ref) continue;
    set_active_isa(isa);
    CAPTURE(std::string(isa_name(isa)));
    CHECK(path(conv(1, 3, 224, 224, 64, 7, 2, 3)) == "stem");     // ResNet
    CHECK(path(conv(1, 3, 224, 224, 64, 3, 1, 1)) == "stem");     // VGG
    CHECK(path(conv(1, 1, 28, 28, 32, 3, 1, 1)) == "stem");       // one channel
    CHECK(path(conv(1, 5, 224, 224, 64, 3, 1, 1)) == "direct");   // 5 channels
    CHECK(path(conv(1, 3, 224, 224, 64, 11, 4, 2)) == "direct");  // AlexNet: stride 4
    CHECK(path(conv(1, 3, 224, 224, 96, 4, 4, 0)) == "direct");   // patchify
    CHECK(path(conv(1, 3, 56, 56, 96, 1, 1, 0)) == "gemm");       // 1x1 s1
  }
  set_active_isa(saved);
}

TEST_CASE("conv2d: AVX-512 1x1 convs take the GEMM path over few channels, or up to 256 on large maps") {
  if (!isa_supported(Isa::avx512)) return;
  const Isa saved = active_isa();
  set_active_isa(Isa::avx512);
  auto direct = [](const Conv2dShape& s) {
    std::vector<float> w(s.OC * s.C, 0.5f);
    return bool(pack_conv2d(w.data(), s).direct);
  };
  CHECK_FALSE(direct(conv(1, 64, 56, 56, 256, 1, 1, 0)));  // ResNet-50's 64 -> 256
  CHECK(direct(conv(1, 64, 31, 33, 64, 1, 1, 0)));         // into two whole direct panels, 1023 pixels
  CHECK_FALSE(direct(conv(1, 64, 32, 32, 64, 1, 1, 0)));  // the same on 1024: the GEMM copies B
  CHECK_FALSE(direct(conv(1, 128, 56, 56, 256, 1, 1, 0)));  // Wide ResNet-50's 128 -> 256
  CHECK_FALSE(direct(conv(1, 100, 33, 32, 70, 1, 1, 0)));  // 1056 pixels
  CHECK(direct(conv(1, 100, 31, 33, 70, 1, 1, 0)));         // 1023 pixels
  CHECK(direct(conv(1, 128, 56, 56, 24, 1, 1, 0)));         // into too few channels
  CHECK_FALSE(direct(conv(1, 256, 56, 56, 64, 1, 1, 0)));   // ResNet-50's 256 -> 64
  CHECK(direct(conv(1, 257, 56, 56, 256, 1, 1, 0)));        // over too many
  CHECK(direct(conv(1, 128, 28, 28, 512, 1, 1, 0)));        // ResNet-50's 128 -> 512 at 28x28
  CHECK_FALSE(direct(conv(1, 256, 56, 56, 512, 1, 2, 0)));  // its 256 -> 512 downsample: C-major
  CHECK(direct(conv(1, 512, 28, 28, 1024, 1, 2, 0)));       // the next one: K 512
  CHECK(direct(conv(1, 64, 56, 56, 128, 1, 2, 0)));         // ResNet-18's: a C under 1 MiB
  CHECK_FALSE(direct(conv(1, 40, 75, 71, 200, 1, 2, 0)));  // the shape the ISA test runs on this path
  set_active_isa(saved);
}

TEST_CASE("conv2d: depthwise runs across a batch's channel wrap take each plane's own weights, every ISA") {
  // On one thread a run holds up to a ninth of the planes; with batch 2 and 13 channels the
  // run [12, 15) goes from channel 12 of the first image to channels 0 and 1 of the second
  // (DepthwisePlanes carries the channel along). In place, in place two column blocks wide,
  // stride 2, the zero-padded copy (dilation), and AVX2's row bands.
  const Isa saved = active_isa();
  const int saved_threads = get_num_threads();
  set_num_threads(1);
  const std::vector<Conv2dShape> shapes = {conv(2, 13, 17, 17, 13, 3, 1, 1, 1, 13), conv(2, 13, 6, 100, 13, 3, 1, 1, 1, 13),
                                           conv(2, 13, 19, 19, 13, 5, 2, 2, 1, 13), conv(2, 13, 11, 11, 13, 3, 1, 0, 2, 13),
                                           conv(2, 13, 6, 40, 13, 3, 1, 1, 1, 13)};
  for (Isa isa : supported_isas()) {
    set_active_isa(isa);
    for (const Conv2dShape& s : shapes) {
      CAPTURE(std::string(isa_name(isa)));
      CAPTURE(s.W);
      CHECK(check_conv(s, FusedActivation::none, true) <= 1.0);
    }
  }
  set_active_isa(saved);
  set_num_threads(saved_threads);
}

TEST_CASE("conv2d: any thread count gives the same bits (bands and panel runs split unevenly)") {
  // Each output tile is computed the same way whichever thread takes it, so results must
  // be identical; odd thread counts split pixel bands and channel-panel runs mid-way, and
  // convs read in place, depthwise convs and 1x1 convs on the GEMM path hand out their
  // tasks a few at a time (parallel_for_balanced). On one thread the depthwise kernels get
  // runs long enough for their groups of 2 or 4 planes, which then cross a batch's channel
  // wrap (batches of 7 x 13 and 3 x 31 channels).
  const int saved = get_num_threads();
  const std::vector<Conv2dShape> shapes = {conv(1, 16, 28, 28, 96, 3, 1, 1), conv(1, 24, 14, 14, 64, 3, 2, 1),
                                           conv(1, 32, 7, 7, 96, 3, 1, 1), conv(1, 40, 28, 28, 70, 1, 2, 0),
                                           conv(1, 8, 56, 56, 32, 7, 2, 3), conv(1, 3, 64, 64, 64, 7, 2, 3),
                                           conv(2, 3, 45, 45, 20, 3, 1, 1),
                                           conv(1, 16, 28, 28, 512, 1, 2, 0), conv(1, 24, 28, 28, 1024, 1, 2, 0),
                                           conv(2, 40, 15, 15, 40, 3, 2, 1, 1, 40), conv(1, 97, 9, 9, 97, 5, 1, 2, 1, 97),
                                           conv(1, 24, 56, 56, 144, 1, 1, 0), conv(1, 64, 13, 13, 300, 1, 1, 0),
                                           conv(2, 260, 47, 49, 70, 1, 1, 0), conv(2, 24, 63, 57, 78, 1, 1, 0),
                                           conv(2, 40, 37, 29, 50, 1, 1, 0), conv(2, 56, 61, 59, 75, 1, 1, 0),
                                           conv(2, 150, 47, 45, 130, 1, 1, 0), conv(2, 75, 7, 7, 75, 3, 1, 1, 1, 75),
                                           conv(7, 13, 11, 11, 13, 5, 2, 2, 1, 13), conv(3, 31, 14, 14, 31, 3, 2, 1, 1, 31),
                                           // grouped: whole groups per thread once there are twice as many
                                           conv(2, 32, 10, 10, 48, 3, 1, 1, 1, 8), conv(1, 40, 11, 11, 40, 3, 2, 1, 1, 5),
                                           conv(1, 256, 14, 14, 256, 3, 1, 1, 1, 32),
                                           conv(2, 128, 8, 8, 128, 3, 2, 1, 1, 4), conv(1, 64, 9, 9, 96, 3, 1, 1, 1, 2)};
  for (const Conv2dShape& s : shapes) {
    Generator g(s.C + s.OC);
    std::vector<float> x(s.N * s.C * s.H * s.W), w(s.OC * (s.C / s.groups) * s.KH * s.KW), b(s.OC);
    g.fill_normal(x.data(), x.size());
    g.fill_normal(w.data(), w.size());
    g.fill_normal(b.data(), b.size());
    const PackedConv2d pw = pack_conv2d(w.data(), s);
    const size_t ny = s.N * s.OC * s.OH() * s.OW();
    std::vector<float> one(ny);
    set_num_threads(1);
    conv2d_f32(one.data(), x.data(), pw, b.data(), FusedActivation::relu, s);
    for (int threads : {2, 3, 5, 7, 16}) {
      std::vector<float> many(ny, NAN);
      set_num_threads(threads);
      conv2d_f32(many.data(), x.data(), pw, b.data(), FusedActivation::relu, s);
      CAPTURE(threads);
      CAPTURE(s.H);
      CHECK(many == one);
    }
  }
  set_num_threads(saved);
}

TEST_CASE("pack_conv2d on several threads writes the bytes one thread writes") {
  // Direct-path panels (a thread per 256K floats: 4 panels of K = 4608 split) and GEMM-path
  // groups (pack_a).
  const Isa saved = active_isa();
  const int saved_threads = get_num_threads();
  const std::vector<Conv2dShape> shapes = {conv(1, 512, 7, 7, 100, 3, 1, 1), conv(1, 1024, 7, 7, 600, 1, 1, 0)};
  for (Isa isa : supported_isas()) {
    if (isa == Isa::ref) continue;
    set_active_isa(isa);
    for (const Conv2dShape& s : shapes) {
      const int64_t K = s.C * s.KH * s.KW;
      std::vector<float> w(s.OC * K);
      Generator(3).fill_normal(w.data(), w.size());
      set_num_threads(1);
      const PackedConv2d one = pack_conv2d(w.data(), s);
      set_num_threads(3);
      const PackedConv2d three = pack_conv2d(w.data(), s);
      CAPTURE(isa_name(isa));
      CAPTURE(s.OC);
      REQUIRE(bool(one.direct) == bool(three.direct));
      if (one.direct) {
        const int64_t floats = (s.OC + 31) / 32 * 32 * K;
        CHECK(std::equal(one.direct.get(), one.direct.get() + floats, three.direct.get()));
      }
      REQUIRE(one.groups.size() == three.groups.size());
      for (size_t g = 0; g < one.groups.size(); ++g) {
        const PackedA& a = one.groups[g];
        const int64_t floats = (a.M + a.geo.mr - 1) / a.geo.mr * a.geo.mr * a.K;
        CHECK(std::equal(a.buf.get(), a.buf.get() + floats, three.groups[g].buf.get()));
      }
    }
  }
  set_num_threads(saved_threads);
  set_active_isa(saved);
}

TEST_CASE("conv2d phase rows: the AVX-512 gather writes the scalar one's bytes") {
  // Rows of a phase plane: strides 1-3, the first source column before, inside and past
  // the row (padding on either side), widths and lengths around the 16-lane vectors, and
  // rows of 64-256 outputs at stride 2, which go row by row.
  if (!isa_supported(Isa::avx512)) return;
  Generator g(5);
  std::vector<float> x(4 * 300);
  g.fill_normal(x.data(), x.size());
  int cases = 0;
  for (int64_t stride = 1; stride <= 3; ++stride)
    for (int64_t width : {1, 7, 14, 16, 17, 33, 80, 225})
      for (int64_t n : {1, 7, 15, 16, 17, 40, 64, 113, 260})
        for (int64_t first = -5; first <= width + 2; first += width > 80 ? 37 : 3)
          for (int64_t rows : {1, 3}) {
            const int64_t ldx = width + (rows > 1 ? 0 : 3);
            std::vector<float> want(rows * n, NAN), got(rows * n, NAN);
            gather_rows_f32_ref(want.data(), n, rows, x.data(), ldx, first, stride, width);
            gather_rows_f32__avx512(got.data(), n, rows, x.data(), ldx, first, stride, width);
            CAPTURE(stride);
            CAPTURE(width);
            CAPTURE(n);
            CAPTURE(first);
            CHECK(got == want);
            ++cases;
          }
  MESSAGE(cases, " rows checked");
}

TEST_CASE("conv2d: bad shapes give one clear error") {
  Conv2dShape s = conv(1, 6, 4, 4, 8, 5, 1, 0);
  CHECK_THROWS_WITH_AS(s.validate(), "conv2d: input 4x4 is smaller than the kernel 5x5 (dilation 1x1, padding 0x0)",
                       Error);
  s = conv(1, 6, 8, 8, 8, 3, 1, 1, 1, 4);
  CHECK_THROWS_WITH_AS(s.validate(), "conv2d: groups=4 must divide in_channels=6 and out_channels=8", Error);
  std::vector<float> w(8 * 6 * 9, 0.f);
  Conv2dShape ok = conv(1, 6, 8, 8, 8, 3, 1, 1);
  const PackedConv2d pw = pack_conv2d(w.data(), ok);
  Conv2dShape other = ok;
  other.C = 7;
  std::vector<float> x(7 * 64), y(8 * 64);
  CHECK_THROWS_AS(conv2d_f32(y.data(), x.data(), pw, nullptr, FusedActivation::none, other), Error);
}
