#include "kernels/conv2d.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "kernels/conv2d_ukernel.h"
#include "kernels/gemm_pack.h"
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

// The GEMM convolution reads the image in place. The padded image is split into
// SH x SW stride phases: phase (py, px) holds padded pixels (i*SH + py, j*SW + px).
// Then for every weight position (c, kh, kw) the input pixels under the outputs,
// numbered n = oh * Wq + ow, form one contiguous run starting at offsets[k], which is
// exactly the microkernel's B row (kernels/gemm_ukernel.h). Columns ow >= OW of each
// output row are computed and dropped (Wq - OW of them: KW - 1 at stride 1).
struct PhaseLayout {
  int64_t Hq, Wq, plane;
  bool in_place;              // 1x1, stride 1, no padding: the image already is the B matrix
  std::vector<int64_t> used;  // the phases some (kh, kw) reads (a strided 1x1 reads only one)
  std::vector<int64_t> slot;  // phase -> its place in the buffer, -1 if unused
  int64_t phases() const { return static_cast<int64_t>(used.size()); }
};

PhaseLayout phase_layout(const Conv2dShape& s) {
  PhaseLayout L;
  L.in_place = s.is_pointwise();
  L.Hq = L.in_place ? s.H : s.OH() + (s.KH - 1) * s.DH / s.SH;
  L.Wq = L.in_place ? s.W : s.OW() + (s.KW - 1) * s.DW / s.SW;
  L.plane = L.Hq * L.Wq;
  L.slot.assign(static_cast<size_t>(s.SH * s.SW), -1);
  for (int64_t kh = 0; kh < s.KH; ++kh)
    for (int64_t kw = 0; kw < s.KW; ++kw) {
      const int64_t phase = (kh * s.DH % s.SH) * s.SW + kw * s.DW % s.SW;
      if (L.slot[phase] < 0) {
        L.slot[phase] = static_cast<int64_t>(L.used.size());
        L.used.push_back(phase);
      }
    }
  return L;
}

void build_offsets(int64_t* offsets, int64_t channels, const Conv2dShape& s, const PhaseLayout& L) {
  int64_t k = 0;
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t kh = 0; kh < s.KH; ++kh)
      for (int64_t kw = 0; kw < s.KW; ++kw) {
        const int64_t phase = (kh * s.DH % s.SH) * s.SW + kw * s.DW % s.SW;
        offsets[k++] = (L.slot[phase] * channels + c) * L.plane + (kh * s.DH / s.SH) * L.Wq + kw * s.DW / s.SW;
      }
}

// Fills rows [r0, r1) of one phase plane: Hq x Wq padded pixels (i*SH + py - PH,
// j*SW + px - PW) of channel plane xc, zero outside the image. Plain loops the compiler
// vectorizes: rows are often a few pixels wide (7 at the last stage), where memcpy/fill
// calls dominate.
void build_phase_rows(float* d, const float* xc, int64_t py, int64_t px, const Conv2dShape& s, const PhaseLayout& L,
                      int64_t r0, int64_t r1) {
  // output rows i and columns j whose source lies inside the image
  const int64_t last_r = s.H - 1 + s.PH - py, last_c = s.W - 1 + s.PW - px;  // may be < 0: no row/column
  const int64_t i_lo = std::clamp<int64_t>((s.PH - py + s.SH - 1) / s.SH, r0, r1);
  const int64_t i_hi = last_r < 0 ? i_lo : std::clamp<int64_t>(last_r / s.SH + 1, i_lo, r1);
  const int64_t j_lo = std::min(L.Wq, std::max<int64_t>(0, (s.PW - px + s.SW - 1) / s.SW));
  const int64_t j_hi = last_c < 0 ? j_lo : std::max(j_lo, std::min(L.Wq, last_c / s.SW + 1));
  std::fill(d + r0 * L.Wq, d + i_lo * L.Wq, 0.f);
  for (int64_t i = i_lo; i < i_hi; ++i) {
    float* row = d + i * L.Wq;
    const float* src = xc + (i * s.SH + py - s.PH) * s.W + px - s.PW;
    for (int64_t j = 0; j < j_lo; ++j) row[j] = 0.f;
    if (s.SW == 1 && j_hi - j_lo >= 32)
      std::memcpy(row + j_lo, src + j_lo, sizeof(float) * static_cast<size_t>(j_hi - j_lo));
    else if (s.SW == 1)
      for (int64_t j = j_lo; j < j_hi; ++j) row[j] = src[j];
    else if (s.SW == 2)
      for (int64_t j = j_lo; j < j_hi; ++j) row[j] = src[2 * j];
    else
      for (int64_t j = j_lo; j < j_hi; ++j) row[j] = src[j * s.SW];
    for (int64_t j = j_hi; j < L.Wq; ++j) row[j] = 0.f;
  }
  std::fill(d + i_hi * L.Wq, d + r1 * L.Wq, 0.f);
}

// Rows [r0, r1) of every phase plane of `channels` channels.
void build_phase_band(float* dst, const float* x, int64_t channels, const Conv2dShape& s, const PhaseLayout& L,
                      int64_t r0, int64_t r1) {
  for (int64_t t = 0; t < L.phases() * channels; ++t) {
    const int64_t phase = L.used[t / channels], c = t % channels;
    build_phase_rows(dst + t * L.plane, x + c * s.H * s.W, phase / s.SW, phase % s.SW, s, L, r0, r1);
  }
}

void build_phases(float* dst, const float* x, int64_t channels, const Conv2dShape& s, const PhaseLayout& L) {
  const int64_t planes = L.phases() * channels;
  // chunks of at least ~16K floats: a fork/join costs more than copying a small plane
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 14) / std::max<int64_t>(L.plane, 1));
  parallel_for(planes, grain, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t phase = L.used[t / channels], c = t % channels;
      build_phase_rows(dst + t * L.plane, x + c * s.H * s.W, phase / s.SW, phase % s.SW, s, L, 0, L.Hq);
    }
  });
}

// Per-thread scratch that only grows (the conv driver runs on the calling thread).
template <typename T>
T* grow(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

void check_same_weights(const Conv2dShape& a, const Conv2dShape& b) {
  TESSERA_CHECK(a.C == b.C && a.OC == b.OC && a.KH == b.KH && a.KW == b.KW && a.groups == b.groups,
                "conv2d: weights were packed for in=", a.C, " out=", a.OC, " kernel=", a.KH, "x", a.KW,
                " groups=", a.groups, " but called with in=", b.C, " out=", b.OC, " kernel=", b.KH, "x", b.KW,
                " groups=", b.groups);
}

// The direct path (kernels/conv2d_ukernel.h) takes every AVX-512 conv with groups == 1.
bool use_direct(Isa isa, const Conv2dShape& s) {
  return (isa == Isa::avx512 || isa == Isa::avx512vnni) && s.groups == 1;
}

constexpr int64_t kDirectNR = 32, kDirectMR = 14;

// Weights [OC, K] as panels of 32 output channels: panel t holds K rows of channels
// 32t..32t+31 (zero past OC), the microkernel's vector operand.
std::shared_ptr<float> pack_direct_weights(const float* w, int64_t OC, int64_t K) {
  const int64_t tiles = (OC + kDirectNR - 1) / kDirectNR;
  const size_t bytes = static_cast<size_t>(std::max<int64_t>(tiles * K * kDirectNR, 16) * 4);
  float* buf = static_cast<float*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
  TESSERA_CHECK(buf, "conv2d: out of memory packing weights (", bytes, " bytes)");
  for (int64_t t = 0; t < tiles; ++t)
    for (int64_t k = 0; k < K; ++k)
      for (int64_t j = 0; j < kDirectNR; ++j) {
        const int64_t oc = t * kDirectNR + j;
        buf[(t * K + k) * kDirectNR + j] = oc < OC ? w[oc * K + k] : 0.f;
      }
  return std::shared_ptr<float>(buf, [](float* q) { std::free(q); });
}

// Output tiles: 14 pixels of one output row, or two rows of 7 when OW == 7 (the last
// stage of most ImageNet networks), times 32 output channels. Threads split the
// (pixel tile, channel panel) pairs pixel-major, in contiguous ranges: each thread
// reads only its band of input rows and writes its band of output rows. (Splitting by
// channel panels instead was 10-45% slower on ResNet-18's layers with 2 threads, even
// where the weights outweigh the image.) Maps with few pixel tiles (7x7: three double
// rows and a single one) split by channel panels, which balance there.
void conv2d_direct(float* y, const float* x, const PackedConv2d& w, const float* bias, FusedActivation act,
                   const Conv2dShape& s) {
  const int64_t OH = s.OH(), OW = s.OW(), K = s.C * s.KH * s.KW;
  const PhaseLayout L = phase_layout(s);
  thread_local std::vector<float> phases_buf;  // per thread: each builds the rows it reads
  thread_local std::vector<int64_t> offsets_buf;
  int64_t* offsets = grow(offsets_buf, static_cast<size_t>(K));
  build_offsets(offsets, s.C, s, L);
  // + slack: tail tiles read up to a row and MR pixels past the last plane (values unused)
  const size_t planes = static_cast<size_t>(L.phases() * s.C * L.plane), slack = static_cast<size_t>(L.Wq + 64);
  auto phase_buffer = [&] {
    float* p = grow(phases_buf, planes + slack);
    std::fill(p + planes, p + planes + slack, 0.f);
    return p;
  };

  // A 1x1 stride-1 conv reads the image in place, its pixels flattened into one row
  // (no padding, so tiles may cross image rows); 7x7 maps keep their two-row tiles.
  const bool in_place = L.in_place, two_rows = OW == 7, flat = in_place && !two_rows;
  const int64_t rows = flat ? 1 : OH, cols = flat ? OH * OW : OW, ldx = flat ? cols : L.Wq;
  const int64_t row_tiles = two_rows ? 1 : (cols + kDirectMR - 1) / kDirectMR;
  const int64_t rows_per_tile = two_rows ? 2 : 1;
  const int64_t pix_tiles = (rows + rows_per_tile - 1) / rows_per_tile * row_tiles;
  const int64_t oc_tiles = (s.OC + kDirectNR - 1) / kDirectNR;
  const bool pixel_major = pix_tiles >= 4 * get_num_threads();
  // Pixel-major threads walk their pixel tiles once per group of weight panels that
  // fits in half of L2 (a 1 MiB L2 on the CPUs this was tuned on), so the weights of a
  // late layer (2.4 MiB in ResNet-18's layer3) are not streamed from L3 for every tile.
  const int64_t panel_group = std::clamp<int64_t>((int64_t(512) << 10) / (K * kDirectNR * 4), 1, oc_tiles);
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

  for (int64_t n = 0; n < s.N; ++n) {
    const float* xn = x + n * s.C * s.H * s.W;
    float* yn = y + n * s.OC * OH * OW;
    if (tail) {
      const int64_t p0 = (row_tiles - 1) * kDirectMR;
      for (int64_t c = 0; c < s.C; ++c)
        for (int64_t i = 0; i < 16; ++i) tail[c * 16 + i] = i < tail_m ? xn[c * cols + p0 + i] : 0.f;
    }
    auto tile = [&](const float* phases, int64_t ot, int64_t pt) {
      ConvTile c;
      c.kc = K;
      c.x_offsets = offsets;
      c.w = w.direct.get() + ot * K * kDirectNR;
      c.ldy = OH * OW;
      c.n = std::min(kDirectNR, s.OC - ot * kDirectNR);
      c.bias = bias ? bias + ot * kDirectNR : nullptr;
      c.act = act;
      float* yt = yn + ot * kDirectNR * OH * OW;
      if (two_rows) {
        const int64_t oh = 2 * pt;
        c.x = phases + oh * ldx;
        c.row_step = ldx;
        c.m = std::min<int64_t>(2, OH - oh) * 7;
        c.y = yt + oh * OW;
        if (c.m == 14) conv2d_direct_ukernel_2x7x32__avx512(c);
        else conv2d_direct_ukernel_7x32__avx512(c);
      } else {
        const int64_t oh = pt / row_tiles, ow0 = pt % row_tiles * kDirectMR;
        c.x = phases + oh * ldx + ow0;
        c.row_step = 0;
        c.m = std::min(kDirectMR, cols - ow0);
        c.y = yt + oh * cols + ow0;
        if (flat && c.m < kDirectMR) {
          c.x = tail;
          c.x_offsets = tail_offsets;
        }
        conv2d_direct_ukernel_14x32__avx512(c);
      }
    };
    if (pixel_major) {
      // One parallel region: each thread builds, in its own buffer, the phase rows under
      // its band of output rows (plus the kernel's reach and one row of slack), then
      // computes that band; no thread reads what another one wrote.
      parallel_for(pix_tiles, 1, [&](int64_t p0, int64_t p1) {
        const float* phases = xn;
        if (!in_place) {
          float* band = phase_buffer();
          const int64_t oh0 = p0 / row_tiles * rows_per_tile, oh1 = ((p1 - 1) / row_tiles + 1) * rows_per_tile;
          build_phase_band(band, xn, s.C, s, L, oh0, std::min(L.Hq, oh1 + (L.Hq - OH) + 1));
          phases = band;
        }
        for (int64_t g0 = 0; g0 < oc_tiles; g0 += panel_group)
          for (int64_t pt = p0; pt < p1; ++pt)
            for (int64_t ot = g0; ot < std::min(oc_tiles, g0 + panel_group); ++ot) tile(phases, ot, pt);
      });
    } else {
      // Channel-panel-major: a thread's run of tasks covers some panels' worth of pixel
      // tiles; it builds the phase rows under those tiles (all rows when its run wraps
      // around) in its own buffer, inside the same parallel region. (A separate region
      // to build shared planes cost ~1 ms per conv with 16 threads on a 16-core VM.)
      parallel_for(oc_tiles * pix_tiles, 1, [&](int64_t t0, int64_t t1) {
        const float* phases = xn;
        if (!in_place) {
          float* band = phase_buffer();
          int64_t p_lo = 0, p_hi = pix_tiles;
          if (t1 - t0 < pix_tiles && t0 % pix_tiles <= (t1 - 1) % pix_tiles) {
            p_lo = t0 % pix_tiles;
            p_hi = (t1 - 1) % pix_tiles + 1;
          }
          const int64_t oh0 = p_lo / row_tiles * rows_per_tile, oh1 = ((p_hi - 1) / row_tiles + 1) * rows_per_tile;
          build_phase_band(band, xn, s.C, s, L, oh0, std::min(L.Hq, oh1 + (L.Hq - OH) + 1));
          phases = band;
        }
        for (int64_t t = t0; t < t1; ++t) tile(phases, t / pix_tiles, t % pix_tiles);
      });
    }
  }
}

}  // namespace

PackedConv2d pack_conv2d(const float* weight, const Conv2dShape& s) {
  PackedConv2d p;
  p.shape = s;
  p.isa = active_isa();
  const int64_t OCg = s.OC / s.groups, Kg = s.C / s.groups * s.KH * s.KW;
  if (p.isa == Isa::ref || s.is_depthwise()) {
    p.weight.assign(weight, weight + s.OC * Kg);
    return p;
  }
  if (use_direct(p.isa, s)) {
    p.direct = pack_direct_weights(weight, s.OC, Kg);
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
    const bool fast = w.isa == Isa::avx512 || w.isa == Isa::avx512vnni;
    // One channel plane per task; the padded-plane scratch is per thread.
    parallel_for(s.N * s.C, 1, [&](int64_t b, int64_t e) {
      thread_local std::vector<float> scratch;
      if (fast) grow(scratch, static_cast<size_t>((s.H + 2 * s.PH + 1) * (s.W + 2 * s.PW) + 64 + 64 * s.SW));
      for (int64_t t = b; t < e; ++t) {
        const int64_t c = t % s.C;
        DepthwiseArgs a{x + t * s.H * s.W, w.weight.data() + c * s.KH * s.KW, bias ? bias[c] : 0.f, act,
                        y + t * OH * OW};
        if (fast) dwconv2d_f32__avx512(a, s, scratch.data());
        else dwconv2d_f32_ref(a, s);
      }
    });
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
  // +Wq+64 floats of zeros: the dropped columns of the last rows read a little past the planes
  float* phases = L.in_place ? nullptr : grow(phases_buf, static_cast<size_t>(L.phases() * Cg * L.plane + L.Wq + 64));
  if (phases) std::fill(phases + L.phases() * Cg * L.plane, phases + L.phases() * Cg * L.plane + L.Wq + 64, 0.f);
  float* out = compact ? grow(out_buf, static_cast<size_t>(OCg * N)) : nullptr;
  for (int64_t n = 0; n < s.N; ++n) {
    for (int64_t g = 0; g < s.groups; ++g) {
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
    }
  }
}

void dwconv2d_f32_ref(const DepthwiseArgs& a, const Conv2dShape& s) {
  Conv2dShape one = s;
  one.N = 1;
  one.C = one.OC = one.groups = 1;
  // groups == 1 with one channel is the same arithmetic as one depthwise channel
  ref::conv2d_f32(a.y, a.x, a.w, &a.bias, a.act, one);
}

}  // namespace tessera::kernels
