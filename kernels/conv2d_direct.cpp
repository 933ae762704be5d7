#include "kernels/conv2d_direct.h"

#include <algorithm>
#include <vector>

#include "kernels/conv2d_phases.h"
#include "kernels/conv2d_ukernel.h"
#include "kernels/parallel.h"
#include "tensor/error.h"

namespace tessera::kernels {

namespace {
constexpr int64_t kDirectNR = 32, kDirectMR = 14;
constexpr int64_t kMaxSegments = 16;  // kernel rows a tile's segments can cover

// One ISA's tile kernels, by tile shape and pixel stride [stride 1, stride 2].
struct DirectKernels {
  ConvTileFn row14[2], rows2x7[2], row7[2];
};
const DirectKernels& direct_kernels(Isa isa) {
  static const DirectKernels avx512{{conv2d_direct_ukernel_14x32__avx512, conv2d_direct_ukernel_14x32s2__avx512},
                                    {conv2d_direct_ukernel_2x7x32__avx512, conv2d_direct_ukernel_2x7x32s2__avx512},
                                    {conv2d_direct_ukernel_7x32__avx512, conv2d_direct_ukernel_7x32s2__avx512}};
  static const DirectKernels avx2{{conv2d_direct_ukernel_14x32__avx2, conv2d_direct_ukernel_14x32s2__avx2},
                                  {conv2d_direct_ukernel_2x7x32__avx2, conv2d_direct_ukernel_2x7x32s2__avx2},
                                  {conv2d_direct_ukernel_7x32__avx2, conv2d_direct_ukernel_7x32s2__avx2}};
  return isa == Isa::avx2 ? avx2 : avx512;
}

// The direct path sums K in (kh, c, kw) order: a kernel row that lies in the padding
// for a tile is one contiguous K range to skip, and each channel's KW taps stay together.
int64_t direct_k(const Conv2dShape& s, int64_t c, int64_t kh, int64_t kw) { return (kh * s.C + c) * s.KW + kw; }
}  // namespace

// The direct path (kernels/conv2d_ukernel.h) takes every AVX-512 conv with groups == 1
// but 1x1 stride-1 convs over at most 64 channels: with K that short its transposed
// store is a large part of a tile, and the GEMM path, whose tiles are rows of output
// pixels, stores without transposing (4-14 % faster on ResNet-50's 64 -> 256 1x1s).
// - Except into 32 or 64 channels, one or two whole direct panels, where the GEMM's
//   14-row tiles would end in a 4- or 8-row one: there the direct path was 0-14 % faster
//   at one thread and 3-20 % at two (ResNet-50's 64 -> 64, MobileNets' 16/40 -> 64), and
//   still is on maps under 1024 pixels. On larger ones, where the GEMM copies its B
//   panels out of the image, it is level to 31 % slower (pinned 16-core Xeon, two runs;
//   one thread: 64 -> 64 at 56x56 level, 24 -> 64 and 16 -> 64 +20-27 %, 16 -> 64 at
//   112x112 +20-31 %; two threads: level to +22 %).
// - On those larger maps the GEMM path also wins over 65-256 channels into 48 or more.
//   Same machine, against oneDNN, one and two threads: at 56x56 128 -> 256 0.80-0.85x ->
//   0.98-1.00x and +9-21 %, 128 -> 128 +6-15 % and +15-21 %, 72 -> 144 +21-23 % and
//   +13-22 %, 80 -> 480 -3 % and +15-19 %; with K up to 256 C-major (kernels/gemm.cpp),
//   ResNet-50's 256 -> 64 0.77x -> 0.90x and 0.73x -> 0.82x, 256 -> 128 0.76x -> 0.91x and
//   0.89x -> 0.94x, 256 -> 256 0.74x -> 0.94x and 0.83x -> 0.93x. At 28x28 and 14x14,
//   where the GEMM reads B in place, it was level to -9 % (512 -> 128 at 28x28: -22 to
//   -28 % on two threads).
// - A stride-2 1x1 over at most 256 channels into an output over 1 MiB goes to the GEMM
//   path too, which reads a gathered copy of its input and writes that output C-major
//   (kernels/gemm.cpp). ResNet-50's 256 -> 512 downsample at 56x56, two runs: 0.73x ->
//   0.83-0.84x oneDNN on two threads, 0.77-0.84x -> 0.82-0.83x on one. Smaller outputs
//   lost 1-46 % (64 -> 128 at 56x56 on two threads: 0.81-0.82x -> 0.44-0.47x), and so
//   did 512 -> 1024 and 1024 -> 2048 (11-32 %).
// On AVX2 it takes every conv with groups == 1 but the 1x1 stride-1 ones, which its
// passes (several per tile, each with transposed stores) ran up to 20 % slower than the
// GEMM path (ResNet-50's 1x1s); on the others it is level (strided 1x1) to 1.5x faster
// (ResNet-18's 3x3 convs over 7x7 maps, where the GEMM computes padded columns).
bool use_direct(Isa isa, const Conv2dShape& s) {
  if (s.groups != 1) return false;
  if (isa == Isa::avx2) return !s.is_pointwise();
  const bool large_map = s.OH() * s.OW() >= 1024;
  const bool gemm_k = s.C <= 64 || (s.C <= 256 && s.OC >= 48 && large_map);
  const bool whole_panels = s.OC <= 64 && s.OC % kDirectNR == 0 && !large_map;
  if (s.is_pointwise() && gemm_k && !whole_panels) return false;
  const bool strided_pointwise = s.KH == 1 && s.KW == 1 && s.PH == 0 && s.PW == 0 && s.SH == 2 && s.SW == 2;
  if (strided_pointwise && s.C <= 256 && s.OC * s.OH() * s.OW() * 4 > (int64_t(1) << 20)) return false;
  return isa == Isa::avx512 || isa == Isa::avx512vnni;
}

// Weights [OC, C, KH, KW] as panels of 32 output channels: panel t holds K rows, in
// (kh, c, kw) order, of channels 32t..32t+31 (zero past OC), the microkernel's vector operand.
std::shared_ptr<float> pack_direct_weights(const float* w, const Conv2dShape& s) {
  const int64_t K = s.C * s.KH * s.KW, tiles = (s.OC + kDirectNR - 1) / kDirectNR;
  const std::shared_ptr<float> packed =
      packed_buffer(std::max<int64_t>(tiles * K * kDirectNR, 16), "conv2d: packing weights");
  float* buf = packed.get();
  // Panels on all threads: a fresh buffer's first touch costs as much as the packing
  // (~13 us a 4 KiB page on the VM this was tuned on), and both spread over cores.
  parallel_for(tiles, std::max<int64_t>(1, (int64_t(1) << 18) / (K * kDirectNR)), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t)
      for (int64_t c = 0, k = 0; c < s.C; ++c)
        for (int64_t kh = 0; kh < s.KH; ++kh)
          for (int64_t kw = 0; kw < s.KW; ++kw, ++k) {
            float* row = buf + (t * K + direct_k(s, c, kh, kw)) * kDirectNR;
            for (int64_t j = 0; j < kDirectNR; ++j) {
              const int64_t oc = t * kDirectNR + j;
              row[j] = oc < s.OC ? w[oc * K + k] : 0.f;
            }
          }
  });
  return packed;
}

namespace {

// The K segments of a tile of output rows oh0..oh0+rows-1 (1 or 2), columns ow0..ow0+cols-1
// of each row, for a microkernel with `split` pixels per row: kernel rows that read only
// padding for every row of the tile are left out; rows that do for one of two rows, and
// (3-wide kernels) the first/last column's padding taps, become skip bits. Returns the count,
// 0 for a tile that skips nothing.
int64_t tile_segments(ConvSegment* seg, const Conv2dShape& s, int64_t oh0, int64_t rows, int64_t ow0, int64_t cols,
                      int64_t split) {
  auto outside = [](int64_t o, int64_t stride, int64_t pad, int64_t k, int64_t dil, int64_t size) {
    const int64_t i = o * stride - pad + k * dil;
    return i < 0 || i >= size;
  };
  // kw = 0 / KW-1 may skip only the first / last column, and only if it lies in the padding.
  auto only_column = [&](int64_t kw, int64_t col) {
    if (!outside(col, s.SW, s.PW, kw, s.DW, s.W)) return false;
    for (int64_t ow = ow0; ow < ow0 + cols; ++ow)
      if (ow != col && outside(ow, s.SW, s.PW, kw, s.DW, s.W)) return false;
    return true;
  };
  // Interior tiles (most of them) read no padding: one segment, none skipped.
  const bool rows_inside = oh0 * s.SH >= s.PH && (oh0 + rows - 1) * s.SH - s.PH + (s.KH - 1) * s.DH < s.H;
  const bool cols_inside = ow0 * s.SW >= s.PW && (ow0 + cols - 1) * s.SW - s.PW + (s.KW - 1) * s.DW < s.W;
  if (rows_inside && cols_inside) return 0;
  unsigned columns = 0;
  if (s.KW == 3) {
    if (only_column(0, ow0)) columns |= kSkipLeft;
    if (cols == split && only_column(2, ow0 + cols - 1)) columns |= kSkipRight;
  }
  const int64_t per_row = s.C * s.KW;
  int64_t n = 0;
  for (int64_t kh = 0; kh < s.KH; ++kh) {
    const bool a = outside(oh0, s.SH, s.PH, kh, s.DH, s.H), b = rows == 2 && outside(oh0 + 1, s.SH, s.PH, kh, s.DH, s.H);
    if (a && (rows == 1 || b)) continue;
    const unsigned skip = columns | (a ? kSkipRowA : 0u) | (b ? kSkipRowB : 0u);
    if (n > 0 && seg[n - 1].skip == skip && seg[n - 1].k1 == kh * per_row) seg[n - 1].k1 += per_row;
    else seg[n++] = ConvSegment{kh * per_row, (kh + 1) * per_row, skip};
  }
  // Beside a column of padding that only 3-wide kernels skip (wider ones read it from
  // padded planes): nothing to skip, so the whole-K path runs it (a quarter of the stem's tiles).
  if (n == 1 && seg[0].k0 == 0 && seg[0].k1 == s.KH * per_row && seg[0].skip == 0) return 0;
  return n;
}

void use_segments(ConvTile& t, const ConvSegment* segs, int64_t n) {
  t.segments = n > 0 ? segs : nullptr;
  t.n_segments = n;
}

// Whether the tiles read a padded image in place: every read that would fall outside it
// must be one the border tiles skip (tile_segments). Holds for the 3x3 pad-1 convs and
// the strided 1x1 convs of ResNet-style networks, stride 1 or 2, when the output rows fill
// whole tiles (a tail tile computes, and reads, all 14 pixels).
//
// A strided 1x1 conv with 1024 output channels or more reads a gathered copy instead (its
// one phase plane): in place, a tile's pixels 2 apart span twice the lines, and with K up
// to 1024 a tile's input outgrows L1 for every one of its 32-64 weight panels. The copy is
// one pass over the input, under 1 % of such a conv (ResNet-50's 1024 -> 2048 at 14x14 ->
// 7x7: +19 % at one thread, +8 % at two; 512 -> 1024: +5 % and level). With fewer panels
// to share it, it cost more than it saved (512 output channels: level to -4 %; 128-256:
// -7 to -28 %).
bool reads_image_exactly(const Conv2dShape& s) {
  const bool three = s.KH == 3 && s.KW == 3 && s.PH == 1 && s.PW == 1;
  const bool one = s.KH == 1 && s.KW == 1 && s.PH == 0 && s.PW == 0 && (s.SH == 1 || s.OC < 1024);
  return (three || one) && s.DH == 1 && s.DW == 1 && s.SH == s.SW && s.SH <= 2 && s.H >= 2 && s.W >= 2 &&
         (s.OW() == 7 || s.OW() % kDirectMR == 0);
}

}  // namespace

// Output tiles: 14 pixels of one output row, or two rows of 7 when OW == 7 (the last
// stage of most ImageNet networks), times 32 output channels. Threads split the
// (channel panel, pixel tile) pairs in contiguous ranges, channel-panel-major: each
// thread streams only its panels' weights, and every thread reads the image itself.
// Where tiles read phase planes instead, each thread builds the planes it reads, and
// maps with many tiles split pixel-major so that a thread builds only its band of rows
// (channel-panel-major, every thread would build them all); so do strided 1x1 convs read
// in place with many panels, and 1x1 convs whose input outgrows L2.
void conv2d_direct(float* y, const float* x, const PackedConv2d& w, const float* bias, FusedActivation act,
                   const Conv2dShape& s) {
  const int64_t OH = s.OH(), OW = s.OW(), K = s.C * s.KH * s.KW;
  const PhaseLayout L = phase_layout(s);
  const DirectKernels& kernels = direct_kernels(w.isa);
  // The input is read in place (the image itself, pixels SW apart) or from padded
  // stride-phase planes each thread builds for the rows it reads.
  const bool image = L.in_place || reads_image_exactly(s);
  thread_local std::vector<float> phases_buf;
  thread_local std::vector<int64_t> offsets_buf;
  int64_t* offsets = grow(offsets_buf, static_cast<size_t>(2 * K));
  if (image) {
    for (int64_t c = 0; c < s.C; ++c)
      for (int64_t kh = 0; kh < s.KH; ++kh)
        for (int64_t kw = 0; kw < s.KW; ++kw)
          offsets[direct_k(s, c, kh, kw)] = (c * s.H + kh * s.DH - s.PH) * s.W + kw * s.DW - s.PW;
  } else {
    build_offsets(offsets + K, s.C, s, L);  // (c, kh, kw) order, into the direct path's (kh, c, kw)
    for (int64_t c = 0, k = 0; c < s.C; ++c)
      for (int64_t kh = 0; kh < s.KH; ++kh)
        for (int64_t kw = 0; kw < s.KW; ++kw) offsets[direct_k(s, c, kh, kw)] = offsets[K + k++];
  }
  // A 1x1 stride-1 conv's pixels are flattened into one row (no padding, so tiles may
  // cross image rows); 7x7 maps keep their two-row tiles.
  const bool two_rows = OW == 7, flat = L.in_place && !two_rows;
  const int64_t rows = flat ? 1 : OH, cols = flat ? OH * OW : OW;
  // floats between output rows and between pixels, in what the tiles read
  const int64_t ldx = flat ? cols : image ? s.SH * s.W : L.Wq, pixel_step = image ? s.SW : 1;
  const int64_t row_tiles = two_rows ? 1 : (cols + kDirectMR - 1) / kDirectMR;
  const int64_t rows_per_tile = two_rows ? 2 : 1;
  const int64_t pix_tiles = (rows + rows_per_tile - 1) / rows_per_tile * row_tiles;
  const int64_t oc_tiles = (s.OC + kDirectNR - 1) / kDirectNR;
  // Tiles on the border skip the taps that read padding (kernels/conv2d_ukernel.h).
  const bool skips = (s.PH > 0 || s.PW > 0) && s.KH <= kMaxSegments;
  // Pixel-major too: a strided 1x1 conv read in place with 16 weight panels or more
  // (ResNet-50's 256 -> 512 downsample at 56x56, before it took the GEMM path: its 3.2 MiB
  // input streamed from L3 once per panel channel-panel-major; +3-7 % at one thread,
  // +0-6 % at two).
  const bool strided_one = image && !L.in_place && s.KH == 1 && s.KW == 1 && oc_tiles >= 16;
  const bool pixel_major = (!image || strided_one) && pix_tiles >= 4 * get_num_threads();
  // And a 1x1 stride-1 conv whose input outgrows L2 (2 MiB leaves margin), its runs of
  // pixel tiles claimed as below: channel-panel-major, it streamed that input from L3 once
  // per weight panel, 64-256 channel planes at a time. ResNet-50's 256 -> 64 and 256 -> 128
  // at 56x56 (3.2 MB), alternating in one process on a 16-core Xeon, pinned: +4 % and +12 %
  // at one thread, +14 % at two; on the 2-vCPU VM +5-7 % and +7-10 %. (Those two now take
  // the GEMM path, use_direct; this walk remains for such inputs into few channels, or
  // over more than 256.) Smaller inputs, read from L2 either way, gained nothing
  // pixel-major (28x28 and 14x14: level to -9 %).
  const bool large_pointwise = L.in_place && oc_tiles >= 2 && s.C * s.H * s.W * 4 > (int64_t(2) << 20);
  // Pixel-major threads walk their pixel tiles once per group of weight panels. A panel
  // that fits in L1 beside the tiles' input (24 KiB of the 32-48 KiB L1s this was tuned
  // on) is a group of its own, and stays there: ResNet's stem (18 KiB panels) +3 % at
  // one thread against two panels a pass. Larger panels go as many as fit in half of L2
  // (1 MiB on those CPUs), so the weights of a late layer (2.4 MiB in ResNet-18's
  // layer3) are not streamed from L3 for every tile.
  const int64_t panel_bytes = K * kDirectNR * 4;
  const int64_t panel_group =
      panel_bytes <= (int64_t(24) << 10) ? 1 : std::clamp<int64_t>((int64_t(512) << 10) / panel_bytes, 1, oc_tiles);
  // In place, a flat tail tile of m < 14 pixels would read past the image: it reads a
  // zero-padded copy of its pixels instead, [C][16].
  const int64_t tail_m = flat ? cols - (row_tiles - 1) * kDirectMR : kDirectMR;
  thread_local std::vector<float> tail_buf;
  thread_local std::vector<int64_t> tail_offsets_buf;
  float* tail = nullptr;
  int64_t* tail_offsets = nullptr;
  if (tail_m < kDirectMR) {
    tail = grow(tail_buf, static_cast<size_t>(s.C * 16));
    tail_offsets = grow(tail_offsets_buf, static_cast<size_t>(s.C));
    for (int64_t c = 0; c < s.C; ++c) tail_offsets[c] = c * 16;
  }

  // A tile stores into 32 channel planes. When the output outgrows L2 (1 MiB on the CPUs
  // this was tuned on; 2 MiB leaves margin) those lines miss into L3 or memory and hold
  // the store queue until the next tile stalls: the tile fetches them while its FMAs run
  // (+8-16 % for a 3.2-12.8 MiB output: ResNet's stem, 3x3 convs at 112^2 and 224^2).
  // Smaller outputs hit L2, and the prefetches only cost (-2-4 % on 28x28 1x1 convs).
  const bool prefetch_y = s.OC * OH * OW * 4 > (int64_t(2) << 20);
  for (int64_t n = 0; n < s.N; ++n) {
    const float* xn = x + n * s.C * s.H * s.W;
    float* yn = y + n * s.OC * OH * OW;
    if (tail) {
      const int64_t p0 = (row_tiles - 1) * kDirectMR;
      for (int64_t c = 0; c < s.C; ++c)
        for (int64_t i = 0; i < 16; ++i) tail[c * 16 + i] = i < tail_m ? xn[c * cols + p0 + i] : 0.f;
    }
    // The input under pixel tiles [p0, p1): the image itself, else the phase rows under
    // those output rows, built in the calling thread's own buffer (tail tiles read up to
    // a row and MR pixels past the last plane, into its slack).
    auto input_under = [&](int64_t p0, int64_t p1) -> const float* {
      if (image) return xn;
      const int64_t oh0 = p0 / row_tiles * rows_per_tile, oh1 = ((p1 - 1) / row_tiles + 1) * rows_per_tile;
      return build_phase_band(phases_buf, xn, s.C, s, L, oh0, oh1);
    };
    auto tile = [&](const float* phases, int64_t ot, int64_t pt) {
      ConvTile c;
      c.kc = K;
      c.x_offsets = offsets;
      ConvSegment segs[kMaxSegments];
      c.segments = nullptr;
      c.n_segments = 0;
      c.w = w.direct.get() + ot * K * kDirectNR;
      c.ldy = OH * OW;
      c.n = std::min(kDirectNR, s.OC - ot * kDirectNR);
      c.bias = bias ? bias + ot * kDirectNR : nullptr;
      c.act = act;
      c.prefetch_y = prefetch_y;
      float* yt = yn + ot * kDirectNR * OH * OW;
      if (two_rows) {
        const int64_t oh = 2 * pt;
        c.x = phases + oh * ldx;
        c.row_step = ldx;
        c.m = std::min<int64_t>(2, OH - oh) * 7;
        c.y = yt + oh * OW;
        if (skips) use_segments(c, segs, tile_segments(segs, s, oh, c.m / 7, 0, 7, 7));
        (c.m == 14 ? kernels.rows2x7 : kernels.row7)[pixel_step - 1](c);
      } else {
        const int64_t oh = pt / row_tiles, ow0 = pt % row_tiles * kDirectMR;
        c.x = phases + oh * ldx + ow0 * pixel_step;
        c.row_step = 0;
        c.m = std::min(kDirectMR, cols - ow0);
        c.y = yt + oh * cols + ow0;
        if (skips) use_segments(c, segs, tile_segments(segs, s, oh, 1, ow0, c.m, kDirectMR));
        if (flat && c.m < kDirectMR) {
          c.x = tail;
          c.x_offsets = tail_offsets;
        }
        kernels.row14[pixel_step - 1](c);
      }
    };
    // Pixel tiles [p0, p1), once per group of weight panels.
    auto walk_pixel_major = [&](const float* phases, int64_t p0, int64_t p1) {
      for (int64_t g0 = 0; g0 < oc_tiles; g0 += panel_group)
        for (int64_t pt = p0; pt < p1; ++pt)
          for (int64_t ot = g0; ot < std::min(oc_tiles, g0 + panel_group); ++ot) tile(phases, ot, pt);
    };
    if (pixel_major) {
      // One parallel region: each thread builds the input under its band of output rows,
      // then computes that band; no thread reads what another one wrote.
      parallel_for(pix_tiles, 1, [&](int64_t p0, int64_t p1) { walk_pixel_major(input_under(p0, p1), p0, p1); });
    } else if (large_pointwise) {
      const int64_t grain =
          std::clamp<int64_t>(int64_t{4'000'000} / (2 * kDirectMR * kDirectNR * K * oc_tiles), 1, 8);
      parallel_for_balanced(pix_tiles, grain, [&](int64_t p0, int64_t p1) { walk_pixel_major(xn, p0, p1); });
    } else {
      // Channel-panel-major: a thread's run of tasks covers some pixel tiles of one or
      // more panels; it builds the input under them (all rows when its run wraps around)
      // inside the same parallel region. (A separate region to build shared planes cost
      // ~1 ms per conv with 16 threads on a 16-core VM.)
      auto run = [&](int64_t t0, int64_t t1) {
        const bool wraps = t1 - t0 >= pix_tiles || t0 % pix_tiles > (t1 - 1) % pix_tiles;
        const float* phases = wraps ? input_under(0, pix_tiles) : input_under(t0 % pix_tiles, (t1 - 1) % pix_tiles + 1);
        for (int64_t t = t0; t < t1; ++t) tile(phases, t / pix_tiles, t % pix_tiles);
      };
      // Read in place, the tiles are claimed up to ~20 us of work at a time (fewer as a
      // share runs out) and a thread that finishes takes the rest of another's, since the
      // two vCPUs here differ by 3-12 % for spells and a static split waits for the
      // slower. ResNet-18's convs at two threads, alternating in one process: +2 % in such
      // a spell, +2.4 % beside a neighbour on one vCPU, level with the vCPUs level. One
      // tile a claim cost 4-10 % at 56 x 56. Convs on phase planes keep the static split:
      // a claim would rebuild its rows (the stem, balanced: -1 to -2 % with the vCPUs level).
      if (image) {
        const int64_t grain = std::clamp<int64_t>(int64_t{4'000'000} / (2 * kDirectMR * kDirectNR * K), 1, 8);
        parallel_for_balanced(oc_tiles * pix_tiles, grain, run);
      } else {
        parallel_for(oc_tiles * pix_tiles, 1, run);
      }
    }
  }
}

}  // namespace tessera::kernels
