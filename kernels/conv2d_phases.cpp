#include "kernels/conv2d_phases.h"

#include <algorithm>
#include <cstring>

#include "kernels/kernel_table.h"
#include "kernels/parallel.h"

namespace tessera::kernels {

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

void gather_rows_f32_ref(float* dst, int64_t n, int64_t rows, const float* x, int64_t ldx, int64_t first,
                         int64_t stride, int64_t width) {
  // columns j whose source lies inside the row: [j_lo, j_hi)
  const int64_t j_lo = std::min(n, first >= 0 ? int64_t(0) : (-first + stride - 1) / stride);
  const int64_t j_hi = first > width - 1 ? j_lo : std::max(j_lo, std::min(n, (width - 1 - first) / stride + 1));
  for (int64_t r = 0; r < rows; ++r, dst += n) {
    const float* src = x + r * ldx + first;
    for (int64_t j = 0; j < j_lo; ++j) dst[j] = 0.f;
    if (stride == 1 && j_hi - j_lo >= 32)
      std::memcpy(dst + j_lo, src + j_lo, sizeof(float) * static_cast<size_t>(j_hi - j_lo));
    else if (stride == 1)
      for (int64_t j = j_lo; j < j_hi; ++j) dst[j] = src[j];
    else if (stride == 2)
      for (int64_t j = j_lo; j < j_hi; ++j) dst[j] = src[2 * j];
    else
      for (int64_t j = j_lo; j < j_hi; ++j) dst[j] = src[j * stride];
    for (int64_t j = j_hi; j < n; ++j) dst[j] = 0.f;
  }
}

namespace {

GatherRowsFn gather_rows() {
  static const KernelTable<GatherRowsFn> table = [] {
    KernelTable<GatherRowsFn> t;
    t.impl[int(Isa::ref)] = gather_rows_f32_ref;
    t.impl[int(Isa::avx512)] = gather_rows_f32__avx512;
    return t;
  }();
  return table.get();
}

// Fills rows [r0, r1) of one phase plane: Hq x Wq padded pixels (i*SH + py - PH,
// j*SW + px - PW) of channel plane xc, zero outside the image.
void build_phase_rows(GatherRowsFn gather, float* d, const float* xc, int64_t py, int64_t px, const Conv2dShape& s,
                      const PhaseLayout& L, int64_t r0, int64_t r1) {
  // output rows i whose source row lies inside the image
  const int64_t last_r = s.H - 1 + s.PH - py;  // may be < 0: no row
  const int64_t i_lo = std::clamp<int64_t>((s.PH - py + s.SH - 1) / s.SH, r0, r1);
  const int64_t i_hi = last_r < 0 ? i_lo : std::clamp<int64_t>(last_r / s.SH + 1, i_lo, r1);
  std::fill(d + r0 * L.Wq, d + i_lo * L.Wq, 0.f);
  if (i_hi > i_lo)
    gather(d + i_lo * L.Wq, L.Wq, i_hi - i_lo, xc + (i_lo * s.SH + py - s.PH) * s.W, s.SH * s.W, px - s.PW, s.SW,
           s.W);
  std::fill(d + i_hi * L.Wq, d + r1 * L.Wq, 0.f);
}

}  // namespace

namespace {

// Rows [r0, r1) of every phase plane of channel c. A channel's phases go in turn: those
// that differ only in their column read the same image rows, and the second finds them
// in L1/L2 (phase by phase, with every channel in between, they came from L3 again:
// MobileNetV2's stem +2 %, MobileNetV3's +1 %, ResNet's level).
void build_channel_phases(GatherRowsFn gather, float* dst, const float* x, int64_t c, int64_t channels,
                          const Conv2dShape& s, const PhaseLayout& L, int64_t r0, int64_t r1) {
  for (int64_t p = 0; p < L.phases(); ++p) {
    const int64_t phase = L.used[p];
    build_phase_rows(gather, dst + (p * channels + c) * L.plane, x + c * s.H * s.W, phase / s.SW, phase % s.SW, s, L,
                     r0, r1);
  }
}

}  // namespace

void build_phases(float* dst, const float* x, int64_t channels, const Conv2dShape& s, const PhaseLayout& L) {
  // chunks of at least ~16K floats: a fork/join costs more than copying a small plane
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 14) / std::max<int64_t>(L.phases() * L.plane, 1));
  const GatherRowsFn gather = gather_rows();
  parallel_for(channels, grain, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) build_channel_phases(gather, dst, x, c, channels, s, L, 0, L.Hq);
  });
}

float* build_phase_band(std::vector<float>& buf, const float* x, int64_t channels, const Conv2dShape& s,
                        const PhaseLayout& L, int64_t oh0, int64_t oh1) {
  const size_t planes = static_cast<size_t>(L.phases() * channels * L.plane), slack = static_cast<size_t>(L.Wq + 64);
  float* band = grow(buf, planes + slack);
  std::fill(band + planes, band + planes + slack, 0.f);
  const int64_t r1 = std::min(L.Hq, oh1 + (L.Hq - s.OH()) + 1);
  const GatherRowsFn gather = gather_rows();
  for (int64_t c = 0; c < channels; ++c) build_channel_phases(gather, band, x, c, channels, s, L, oh0, r1);
  return band;
}

}  // namespace tessera::kernels
