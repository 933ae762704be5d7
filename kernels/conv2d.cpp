#include "kernels/conv2d.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/conv2d_direct.h"
#include "kernels/conv2d_phases.h"
#include "kernels/conv2d_stem.h"
#include "kernels/parallel.h"
#include "kernels/ref/conv2d_f32.h"
#include "tensor/error.h"

namespace tessera::kernels {

void Conv2dShape::validate() const {
  TESSERA_CHECK(N >= 0 && C > 0 && H > 0 && W > 0, "conv2d: invalid input size [", N, ", ", C, ", ", H, ", ", W, "]");
  TESSERA_CHECK(OC > 0 && KH > 0 && KW > 0, "conv2d: invalid weight size [", OC, ", ", C / std::max<int64_t>(groups, 1),
                ", ", KH, ", ", KW, "]");
  TESSERA_CHECK(SH > 0 && SW > 0 && DH > 0 && DW > 0 && PH >= 0 && PW >= 0, "conv2d: stride and dilation must be ",
                "positive and padding non-negative");
  TESSERA_CHECK(groups > 0 && C % groups == 0 && OC % groups == 0, "conv2d: groups=", groups,
                " must divide in_channels=", C, " and out_channels=", OC);
  TESSERA_CHECK(OH() > 0 && OW() > 0, "conv2d: input ", H, "x", W, " is smaller than the kernel ", KH, "x", KW,
                " (dilation ", DH, "x", DW, ", padding ", PH, "x", PW, ")");
}

namespace {

bool avx512_path(Isa isa) { return isa == Isa::avx512 || isa == Isa::avx512vnni; }

// The depthwise row kernels' shapes: 3x3 or 5x5 with 'same' padding, at `stride`, no dilation.
bool same_padded_depthwise(const Conv2dShape& s, int64_t stride) {
  return s.is_depthwise() && s.SH == stride && s.SW == stride && s.DH == 1 && s.DW == 1 && s.KH == s.KW &&
         (s.KW == 3 || s.KW == 5) && s.PH == s.KH / 2 && s.PW == s.KW / 2;
}

// One group of a grouped conv as a conv of its own: its channels, one image.
Conv2dShape group_shape(const Conv2dShape& s) {
  Conv2dShape g = s;
  g.N = 1;
  g.C = s.C / s.groups;
  g.OC = s.OC / s.groups;
  g.groups = 1;
  return g;
}

void check_same_weights(const Conv2dShape& a, const Conv2dShape& b) {
  TESSERA_CHECK(a.C == b.C && a.OC == b.OC && a.KH == b.KH && a.KW == b.KW && a.groups == b.groups,
                "conv2d: weights were packed for in=", a.C, " out=", a.OC, " kernel=", a.KH, "x", a.KW,
                " groups=", a.groups, " but called with in=", b.C, " out=", b.OC, " kernel=", b.KH, "x", b.KW,
                " groups=", b.groups);
}

// fn(b, e) over a conv's (image, group) products [b, e), product i being image i / groups,
// group i % groups. A grouped conv with at least twice as many products as threads goes
// whole products per thread (balanced claims): each group's product is small, and threads
// inside it paid a parallel region per group. Two threads, against oneDNN in one process
// (9 rounds), on the GEMM path: ResNeXt-50's 32-group 3x3s at 28^2, 14^2 and 7^2 0.88x ->
// 1.28x, 0.41x -> 0.89x and 0.21x -> 0.59x its speed (on two threads they had run slower
// than on one), 6 and 9 groups of 48 channels 0.43x -> 0.66x and 0.39x -> 0.64x.
// Otherwise fn(0, all) here, each product on all threads.
template <typename Fn>
void for_group_products(const Conv2dShape& s, Fn&& fn) {
  const int64_t products = s.N * s.groups;
  if (s.groups > 1 && get_num_threads() > 1 && products >= 2 * get_num_threads())
    parallel_for_balanced(products, 1, fn);
  else
    fn(int64_t{0}, products);
}

// The groups of a conv packed group by group, each one's conv run on its channels.
void conv2d_per_group(float* y, const float* x, const PackedConv2d& w, const float* bias, FusedActivation act,
                      const Conv2dShape& s) {
  const Conv2dShape g = group_shape(s);
  const int64_t in = g.C * s.H * s.W, out = g.OC * s.OH() * s.OW();  // a product's offsets
  for_group_products(s, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t gi = i % s.groups;
      conv2d_f32(y + i * out, x + i * in, w.per_group[static_cast<size_t>(gi)], bias ? bias + gi * g.OC : nullptr,
                 act, g);
    }
  });
}

}  // namespace

bool use_grouped_direct(Isa isa, const Conv2dShape& s) {
  // Groups of at least 32 input and 32 output channels: a group fills the direct path's
  // 32-channel weight panels, where the GEMM path's 14-row tiles over 32 or 48 rows end in
  // a short one. Against the GEMM path, alternating in one process (7-9 rounds), one and
  // two threads: ResNeXt-50's 1024 at 7^2 (32 groups of 32) 1.6-1.7x on AVX-512 and
  // 1.9-2.1x on AVX2; 32 to 64 channels a group at 28^2 to 7^2 1.17-1.64x and 1.25-1.58x.
  // With 16 a group it was level (0.96-1.17x; AVX2 0.97x at 28^2), with 8 0.43-0.67x.
  if (isa == Isa::ref || s.groups == 1 || s.is_depthwise()) return false;
  return s.C / s.groups >= 32 && s.OC / s.groups >= 32 && use_direct(isa, group_shape(s));
}

PackedConv2d pack_conv2d(const float* weight, const Conv2dShape& s) {
  PackedConv2d p;
  p.shape = s;
  p.isa = active_isa();
  const int64_t OCg = s.OC / s.groups, Kg = s.C / s.groups * s.KH * s.KW;
  if (p.isa == Isa::ref || s.is_depthwise()) {
    p.weight.assign(weight, weight + s.OC * Kg);
    return p;
  }
  if (use_grouped_direct(p.isa, s)) {
    const Conv2dShape g = group_shape(s);
    for (int64_t i = 0; i < s.groups; ++i) p.per_group.push_back(pack_conv2d(weight + i * OCg * Kg, g));
    return p;
  }
  if (use_stem(p.isa, s)) {
    p.stem = pack_stem_weights(weight, s);
    return p;
  }
  if (use_direct(p.isa, s)) {
    p.direct = pack_direct_weights(weight, s);
    return p;
  }
  for (int64_t g = 0; g < s.groups; ++g) p.groups.push_back(pack_a(p.isa, false, OCg, Kg, weight + g * OCg * Kg, Kg));
  return p;
}

void conv2d_f32(float* y, const float* x, const PackedConv2d& w, const float* bias, FusedActivation act,
                const Conv2dShape& s) {
  s.validate();
  check_same_weights(w.shape, s);
  TESSERA_CHECK(w.isa == active_isa(), "conv2d: weights were packed for the ", isa_name(w.isa),
                " kernels but the active path is ", isa_name(active_isa()), "; pack them again");
  const int64_t OH = s.OH(), OW = s.OW();
  if (w.isa == Isa::ref) {
    ref::conv2d_f32(y, x, w.weight.data(), bias, act, s);
    return;
  }
  if (s.is_depthwise()) {
    const auto kernel = w.isa == Isa::avx2 ? dwconv2d_f32__avx2 : dwconv2d_f32__avx512;
    // A run of channel planes per task; the padded-plane scratch (and its slack for vector
    // reads past the last row) is per thread. Planes are claimed up to ~250 KFLOP at a time (at
    // least 8 claims a thread) and a thread that runs out takes the rest of another's:
    // for spells this VM's two vCPUs ran these layers 1.4x apart (one shares its core with
    // a neighbour; hybrid CPUs differ by design), and a static split waits for the
    // slower. Two threads, alternating in one process, in such a spell: +8 to +18 % on
    // MobileNetV2's, EfficientNet's and ConvNeXt's layers; with the vCPUs level, -4 to +4 %.
    const int64_t planes = s.N * s.C, plane_flops = 2 * OH * OW * s.KH * s.KW;
    const int64_t grain = std::clamp<int64_t>(250'000 / plane_flops, 1,
                                              std::max<int64_t>(1, planes / (8 * get_num_threads())));
    auto args = [&](int64_t b, int64_t e) { return DepthwiseArgs{x, w.weight.data(), bias, act, y, b, e - b}; };
    // The small-map kernels' tables depend on the shape alone: worked out once a call.
    if (use_dwconv_flat(w.isa, s)) {
      const DwFlat f = dwconv_flat(s);
      const auto flat = w.isa == Isa::avx2 ? dwconv2d_flat_f32__avx2 : dwconv2d_flat_f32__avx512;
      parallel_for_balanced(planes, grain, [&](int64_t b, int64_t e) { flat(args(b, e), s, f); });
      return;
    }
    if (use_dwconv_row_pairs(w.isa, s)) {
      const DwRowPairs r = dwconv_row_pairs(s);
      parallel_for_balanced(planes, grain,
                            [&](int64_t b, int64_t e) { dwconv2d_row_pairs_f32__avx512(args(b, e), s, r); });
      return;
    }
    if (use_dwconv_rows_s1(w.isa, s)) {
      parallel_for_balanced(planes, grain, [&](int64_t b, int64_t e) { dwconv2d_rows_s1_f32__avx512(args(b, e), s); });
      return;
    }
    if (use_dwconv_rows_s2_avx512(w.isa, s)) {
      parallel_for_balanced(planes, grain, [&](int64_t b, int64_t e) { dwconv2d_rows_s2_f32__avx512(args(b, e), s); });
      return;
    }
    if (use_dwconv_rows_s2_avx2(w.isa, s)) {
      parallel_for_balanced(planes, grain, [&](int64_t b, int64_t e) { dwconv2d_rows_s2_f32__avx2(args(b, e), s); });
      return;
    }
    const bool grid = use_dwconv_grid(w.isa, s);
    const int64_t scratch_floats = grid ? dwconv2d_grid_scratch_floats(s)
                                        : (s.H + 2 * s.PH + 1) * (s.W + 2 * s.PW) + 64 + 64 * s.SW;  // pad_plane_f32
    parallel_for_balanced(planes, grain, [&](int64_t b, int64_t e) {
      thread_local std::vector<float> scratch;
      grow(scratch, static_cast<size_t>(scratch_floats));
      (grid ? dwconv2d_grid_f32__avx512 : kernel)(args(b, e), s, scratch.data());
    });
    return;
  }
  if (!w.per_group.empty()) {
    conv2d_per_group(y, x, w, bias, act, s);
    return;
  }
  if (w.stem) {
    conv2d_stem(y, x, w, bias, act, s);
    return;
  }
  if (w.direct) {
    conv2d_direct(y, x, w, bias, act, s);
    return;
  }
  const int64_t Cg = s.C / s.groups, OCg = s.OC / s.groups;
  const PhaseLayout L = phase_layout(s);
  thread_local std::vector<float> phases_buf, out_buf;
  thread_local std::vector<int64_t> offsets_buf;
  int64_t* offsets = grow(offsets_buf, static_cast<size_t>(Cg * s.KH * s.KW));
  build_offsets(offsets, Cg, s, L);
  const int64_t N = s.OH() * L.Wq;  // GEMM columns, including the dropped ones
  const bool compact = L.Wq != OW;
  // This thread's buffers: a group's phase planes (+Wq+64 floats of zeros: the dropped
  // columns of the last rows read a little past the planes) and its uncompacted output.
  auto phase_buffer = [&] {
    if (L.in_place) return static_cast<float*>(nullptr);
    const size_t used = static_cast<size_t>(L.phases() * Cg * L.plane);
    float* p = grow(phases_buf, used + static_cast<size_t>(L.Wq + 64));
    std::fill(p + used, p + used + L.Wq + 64, 0.f);
    return p;
  };
  auto out_buffer = [&] { return compact ? grow(out_buf, static_cast<size_t>(OCg * N)) : nullptr; };
  // One image's group: its phases, its GEMM, its output rows compacted.
  auto one_group = [&](int64_t n, int64_t g, float* phases, float* out) {
    const float* xg = x + (n * s.C + g * Cg) * s.H * s.W;
    float* yg = y + (n * s.OC + g * OCg) * OH * OW;
    if (phases) build_phases(phases, xg, Cg, s, L);
    BSource b;
    b.base = phases ? phases : xg;
    b.offsets = offsets;
    const GemmEpilogue ep{1.f, 0.f, bias ? bias + g * OCg : nullptr, true, act};
    gemm_f32_packed(w.groups[g], b, N, compact ? out : yg, N, ep);
    if (compact) {
      parallel_for(OCg, 8, [&](int64_t o0, int64_t o1) {
        for (int64_t o = o0; o < o1; ++o)
          for (int64_t oh = 0; oh < OH; ++oh)
            std::memcpy(yg + (o * OH + oh) * OW, out + o * N + oh * L.Wq, sizeof(float) * static_cast<size_t>(OW));
      });
    }
  };
  for_group_products(s, [&](int64_t b, int64_t e) {
    float* phases = phase_buffer();
    float* out = out_buffer();
    for (int64_t i = b; i < e; ++i) one_group(i / s.groups, i % s.groups, phases, out);
  });
}

DwGrid dwconv_grid(const Conv2dShape& s) {
  DwGrid g;
  const int64_t S = s.SW;
  if (s.SH != S || (S != 1 && S != 2) || s.DH != 1 || s.DW != 1 || (s.KW != 3 && s.KW != 5 && s.KW != 7)) return g;
  // A grid row holds its padded row's interior (left padding, then the pixels; the right
  // padding overlaps the next row's left). An output's taps past its row's end read the
  // next row's columns below S * (Wg - grid columns the interior takes): with the padding
  // the same on both sides, columns of the left padding, zeros.
  // No rows of 16: one output row to a vector is the in-place kernel's layout, less the
  // copy. 5x5 and 7x7 kernels on 7x7 maps took such grids; in place they ran 1.6-2.2x
  // faster (ConvNeXt's 768 x 7^2 7x7, MobileNetV3's 960 x 7^2 5x5; one and two threads).
  for (int64_t Wg : {4, 8}) {
    if ((s.PW + s.W - 1) / S >= Wg) continue;
    // The kernel sums output vectors up to 8 at a time, past the last: its reads stay in the grid.
    const int64_t vectors = ((s.OH() * Wg + 15) / 16 + 7) / 8 * 8;
    const int64_t reads = 16 * vectors + (s.KH - 1) / S * Wg + (s.KW - 1) / S + 16;
    g.Wg = Wg;
    g.Hg = std::max((s.H + 2 * s.PH + S - 1) / S, (reads + Wg - 1) / Wg);
    g.phase = g.Hg * Wg;
    return g;
  }
  return g;
}

bool use_dwconv_grid(Isa isa, const Conv2dShape& s) {
  // Output rows of at most 8 columns, which fill at most half a vector in place. Inside
  // conv2d_f32, alternating in one process with the in-place kernel (dev VM, two runs):
  // MobileNetV2's 960 x 7^2 1.35-1.36x on one thread and 1.13-1.26x on two, its 576 x 14^2
  // stride 2 1.12-1.36x and 1.18-1.19x. Both have since gone to the flat and row-pairs
  // kernels (conv2d_f32 asks those first); the grid keeps maps that shrink and 7x7 kernels
  // at stride 2. Rows that need grids of 16 stay in place (dwconv_grid).
  return avx512_path(isa) && s.is_depthwise() && s.OW() <= 8 && dwconv_grid(s).Wg > 0;
}

bool use_dwconv_flat(Isa isa, const Conv2dShape& s) {
  // Maps of at most 64 pixels (8x8), kernels of at most 25 taps. Inside conv2d_f32,
  // alternating in one process with the grid and in-place kernels (Xeon VM, one and two
  // threads): 3x3 on 7x7 (MobileNetV2's 960 x 7^2) 1.35-1.7x, on 3x3 to 5x5 maps 1.6-2.6x,
  // on 8x8 1.6-1.9x; 5x5 on 7x7 1.05-1.5x and on 5x5 1.5-1.8x. It loses where a tap's
  // vector is mostly masked off or its loads outnumber the in-place kernel's: 7x7 kernels
  // on 7x7 0.87-0.95x, 14x14 maps 0.6-1.1x, 16x16 0.44-0.81x.
  // AVX2, against its in-place kernel (one thread, alternating in one process, two runs):
  // 3x3 on 7x7 1.3-1.4x, on 3x3 2.1-2.4x, on 5x5 1.65-1.7x, on 8x8 1.2-1.3x; 5x5 on 5x5
  // 1.2-1.35x. 5x5 on 7x7 lost (0.82-0.96x): one plane at a time there (seven vectors of
  // sums fill the registers), and a mask load beside every tap's load.
  const bool avx512 = avx512_path(isa);
  const bool avx2 = isa == Isa::avx2 && (s.KH * s.KW <= 9 || s.H * s.W <= 32);
  return (avx512 || avx2) && s.is_depthwise() && s.SH == 1 && s.SW == 1 && s.OH() == s.H && s.OW() == s.W &&
         s.H * s.W <= 16 * DwFlat::kMaxVectors && s.KH * s.KW <= DwFlat::kMaxTaps;
}

DwFlat dwconv_flat(const Conv2dShape& s) {
  TESSERA_CHECK(s.H * s.W <= 16 * DwFlat::kMaxVectors && s.KH * s.KW <= DwFlat::kMaxTaps, "dwconv_flat: a ", s.H,
                "x", s.W, " map with a ", s.KH, "x", s.KW, " kernel is past the flat kernel's ",
                16 * DwFlat::kMaxVectors, " pixels and ", DwFlat::kMaxTaps, " taps");
  DwFlat f;
  f.vectors = (s.H * s.W + 15) / 16;
  f.taps = s.KH * s.KW;
  // A tap's lanes over the whole map as one 64-bit mask: its columns inside a row, repeated
  // on each of its rows inside the plane. (Worked out lane by lane, the table took 5 % of a
  // 960 x 7^2 layer's time; this way, alternating in one process, one thread, three runs:
  // 160 x 7^2 1.3-1.4x faster, 256 x 8^2 1.2x, 960 x 7^2 and 5x5s on 7x7 and 5x5 +4-14 %.)
  for (int64_t kh = 0, t = 0; kh < s.KH; ++kh)
    for (int64_t kw = 0; kw < s.KW; ++kw, ++t) {
      const int64_t dh = kh * s.DH - s.PH, dw = kw * s.DW - s.PW;
      f.offset[t] = dh * s.W + dw;
      const int64_t c0 = std::max<int64_t>(0, -dw), c1 = std::min(s.W, s.W - dw);
      const uint64_t row = c1 <= c0 ? 0 : c1 - c0 == 64 ? ~uint64_t(0) : ((uint64_t(1) << (c1 - c0)) - 1) << c0;
      uint64_t lanes = 0;
      for (int64_t oh = std::max<int64_t>(0, -dh); oh < std::min(s.H, s.H - dh); ++oh) lanes |= row << (oh * s.W);
      for (int64_t v = 0; v < f.vectors; ++v)
        f.mask[t * DwFlat::kMaxVectors + v] = static_cast<uint16_t>(lanes >> (16 * v));
    }
  return f;
}

bool use_dwconv_row_pairs(Isa isa, const Conv2dShape& s) {
  // Against the grid kernel, which copies each plane into its stride phases first (Xeon VM,
  // alternating in one process): 3x3 1.4-1.7x on one thread and 1.45-1.6x on two
  // (MobileNetV2's 576 x 14^2, 240 x 14^2, 96 x 15^2), 5x5 1.18-1.28x (MobileNetV3's 672 x
  // 14^2); those were its first version, each vector permuting its own rows. 7x7 kernels
  // were level with the grid (384 x 13^2), which keeps them, and the 3x5 and 5x3 ones.
  return avx512_path(isa) && s.is_depthwise() && s.SH == 2 && s.SW == 2 &&
         s.DH == 1 && s.DW == 1 && s.W <= 16 && s.OW() <= 8 && s.OH() <= 2 * DwRowPairs::kMaxPairs &&
         s.KH == s.KW && (s.KW == 3 || s.KW == 5);
}

DwRowPairs dwconv_row_pairs(const Conv2dShape& s) {
  TESSERA_CHECK(s.KW <= DwRowPairs::kMaxKW && s.KH == s.KW && s.W <= 16 && s.OW() <= 8 &&
                    s.OH() <= 2 * DwRowPairs::kMaxPairs,
                "dwconv_row_pairs: a ", s.KH, "x", s.KW, " kernel from ", s.H, "x", s.W, " onto ", s.OH(), "x",
                s.OW(), " is past the row-pairs kernel");
  DwRowPairs r;
  r.pairs = (s.OH() + 1) / 2;
  for (int64_t kw = 0; kw < s.KW; ++kw)
    for (int l = 0; l < 16; ++l) {
      const int64_t pair = l / 8, c = l % 8, col = 2 * c + kw - s.PW;
      const bool inside = c < s.OW() && col >= 0 && col < s.W;
      r.pick[kw][l] = static_cast<int32_t>(pair * 16 + (inside ? col : 0));
      r.valid[kw] = static_cast<uint16_t>(r.valid[kw] | unsigned(inside) << l);
    }
  for (int64_t j = 0; j < 2 * r.pairs + s.KH - 2; ++j)
    for (int64_t m = 0; m < 2; ++m) {
      const int64_t h = j - s.PH + 2 * r.pairs * m;
      const bool inside = h >= 0 && h < s.H;
      r.row[j][m] = inside ? h * s.W : 0;
      r.row_mask[j][m] = static_cast<uint16_t>(inside ? (1u << s.W) - 1 : 0);
    }
  return r;
}

bool use_dwconv_rows_s2_avx2(Isa isa, const Conv2dShape& s) {
  // Against oneDNN's AVX2 kernel, the in-place kernel before it -> this one: MobileNetV2's
  // 576 x 14^2 -> 7^2 0.40x -> 0.83x on one thread and 0.85-0.95x on two, 192 x 28^2 -> 14^2
  // 0.44x -> 0.60x and 0.62x. Wider rows (56^2 -> 28^2) would need 4 vectors a row, and
  // blocks of 2 rows to keep them in registers; they stay in place.
  return isa == Isa::avx2 && same_padded_depthwise(s, 2) && s.W <= 32;
}

bool use_dwconv_rows_s1(Isa isa, const Conv2dShape& s) {
  // Against oneDNN blocked, the in-place kernel before it -> this one, one thread:
  // MobileNetV2's 384 x 14^2 0.81x -> 1.21x, 576 x 14^2 0.77x -> 1.16x (1.22x and 1.16x on
  // two threads). Maps of at most 64 pixels keep the flat kernel.
  return avx512_path(isa) && same_padded_depthwise(s, 1) && s.W <= 16 && s.H <= kDwRowsMaxRows &&
         !use_dwconv_flat(isa, s);
}

bool use_dwconv_rows_s2_avx512(Isa isa, const Conv2dShape& s) {
  // Against oneDNN blocked, the in-place kernel before it -> this one: MobileNetV2's
  // 192 x 28^2 -> 14^2 0.77x -> 1.03x on one thread, 1.00x on two.
  return avx512_path(isa) && same_padded_depthwise(s, 2) && s.W > 16 && s.W <= 32 && s.OH() <= kDwRowsMaxRows;
}

int64_t dwconv2d_grid_scratch_floats(const Conv2dShape& s) {
  return 8 * s.SW * s.SW * dwconv_grid(s).phase;  // up to 4 planes' grids, twice
}

void pad_plane_f32(float* scratch, const float* x, const Conv2dShape& s) {
  const int64_t Hp = s.H + 2 * s.PH, Wp = s.W + 2 * s.PW;
  std::memset(scratch, 0, sizeof(float) * static_cast<size_t>(s.PH * Wp));
  for (int64_t h = 0; h < s.H; ++h) {
    float* d = scratch + (h + s.PH) * Wp;
    std::fill(d, d + s.PW, 0.f);
    std::memcpy(d + s.PW, x + h * s.W, sizeof(float) * static_cast<size_t>(s.W));
    std::fill(d + s.PW + s.W, d + Wp, 0.f);
  }
  std::memset(scratch + (s.PH + s.H) * Wp, 0,
              sizeof(float) * static_cast<size_t>((Hp + 1 - s.PH - s.H) * Wp + 64 + 64 * s.SW));
}

}  // namespace tessera::kernels
