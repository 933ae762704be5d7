#include "kernels/conv2d_phases.h"

#include <algorithm>
#include <cstring>

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

namespace {

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

}  // namespace

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

}  // namespace tessera::kernels
