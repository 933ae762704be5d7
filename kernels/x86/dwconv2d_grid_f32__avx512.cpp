// Depthwise conv on small maps, AVX-512: several output rows to a vector.
//
// On a 7x7 map a plane's output row fills 7 of a vector's 16 lanes, and the in-place kernel
// (dwconv2d_f32__avx512.cpp) pays its per-block set-up for few outputs. Here each plane is
// first copied into zero-padded grids, one per stride phase (padded row r, column c goes to
// phase (r % S, c % S), at grid row r / S, column c / S), whose rows are Wg = 4 or 8
// floats long (DwGrid in conv2d.h). Output pixel (oh, ow) sits at f = oh * Wg + ow of a
// grid-shaped output, and its tap (kh, kw) reads phase (kh % S, kw % S) at
// f + (kh / S) * Wg + kw / S: a vector of 16 consecutive f is 16 / Wg output rows, and each
// tap is one unaligned load and one multiply-add for all of them, with no masks. The grid
// columns past OW are computed and dropped (1 of 8 on 7x7 maps).
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/conv2d.h"
#include "kernels/x86/fused_activation__avx512.h"

namespace tessera::kernels {

namespace {

// A row's even and odd columns, in lanes 0..7 (a row has at most 16 columns here; the
// upper lanes are stored masked off).
constexpr __m512i kEven = (__m512i)(__v16si){0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};
constexpr __m512i kOdd = (__m512i)(__v16si){1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31};

inline __mmask16 first_lanes(int64_t n) { return static_cast<__mmask16>((1u << n) - 1); }

// The shape, and what depends on it alone worked out once per run (OH() and OW() divide).
struct Run {
  const Conv2dShape* s;
  DwGrid g;
  int64_t OH, OW, HW, OHW, taps, vectors, rows;
  int64_t set;          // floats of one plane's grids
  __mmask16 in;         // a row's input columns (at most 16: DwGrid's rows of at most 8)
  __mmask16 out[4];     // row r of an output vector: lanes [r Wg, r Wg + OW)
};

// One plane's rows into the grids' interior; the zero padding around stays.
template <int S>
void fill_grids(float* grid, const float* x, const Run& u) {
  // Locals: the stores may alias anything, and would have the fields of u read again.
  const int64_t H = u.s->H, W = u.s->W, PH = u.s->PH, PW = u.s->PW, Wg = u.g.Wg, phase = u.g.phase;
  const __mmask16 in0 = u.in;
  if constexpr (S == 1) {
    float* row = grid + PH * Wg + PW;
    for (int64_t ih = 0; ih < H; ++ih, row += Wg, x += W) _mm512_mask_storeu_ps(row, in0, _mm512_maskz_loadu_ps(in0, x));
  } else {
    // Input columns 2m go to phase PW % 2 at grid column m + PW / 2, columns 2m + 1 to the
    // other phase at m + (PW + 1) / 2.
    const __mmask16 even = first_lanes((W + 1) / 2), odd = first_lanes(W / 2);
    float* const to_even = grid + (PW % 2) * phase + PW / 2;
    float* const to_odd = grid + ((PW + 1) % 2) * phase + (PW + 1) / 2;
    // A row fits one vector (grids of at most 8 at stride 2 take rows of at most 16), so one
    // load and one-source permutes; the padded row index is unsigned, so that its halving
    // and parity are shifts. Against two loads, two-source permutes and signed halving:
    // stride 2 down to 7x7 +8-17 % on one thread, +5-10 % on two (Xeon VM).
    for (uint64_t ih = 0, r = PH; ih < uint64_t(H); ++ih, ++r, x += W) {
      const int64_t at = int64_t(r & 1) * 2 * phase + int64_t(r >> 1) * Wg;
      const __m512 lo = _mm512_maskz_loadu_ps(in0, x);
      _mm512_mask_storeu_ps(to_even + at, even, _mm512_permutexvar_ps(kEven, lo));
      _mm512_mask_storeu_ps(to_odd + at, odd, _mm512_permutexvar_ps(kOdd, lo));
    }
  }
}

// Output vectors [c0, c0 + NC) of P planes: acc[p][c] += w_p[kh][kw] times the phase
// (kh % S, kw % S) vector of plane p's grids at 16 (c0 + c) + (kh / S) Wg + kw / S. P x NC
// independent sums cover the multiply-add latency.
template <int KW, int S, int NC, int P>
void sum_vectors(__m512 (&acc)[P][NC], const float* const (&grid)[P], const float* const (&w)[P], int64_t c0,
                 const Run& u) {
  for (int64_t kh = 0; kh < u.s->KH; ++kh) {
    const int64_t row = (kh % S) * S * u.g.phase + 16 * c0 + kh / S * u.g.Wg;
#pragma GCC unroll 7
    for (int kw = 0; kw < KW; ++kw) {
#pragma GCC unroll 4
      for (int p = 0; p < P; ++p) {
        const __m512 wv = _mm512_set1_ps(w[p][kh * KW + kw]);
        const float* v = grid[p] + row + (kw % S) * u.g.phase + kw / S;
#pragma GCC unroll 8
        for (int c = 0; c < NC; ++c) acc[p][c] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(v + 16 * c), acc[p][c]);
      }
    }
  }
}

// Planes t .. t + P - 1 (their grids filled): every output vector, NC at a time.
template <int KW, int S, int NC, int P>
void planes_out(const DepthwiseArgs& a, int64_t t, int64_t channel, const float* const (&grid)[P], const Run& u) {
  const float* w[P];
  __m512 bias[P];
  float* y[P];
  // The channel is carried along, not taken as t % C (a division a plane), as in
  // DepthwisePlanes.
  for (int p = 0; p < P; ++p, ++t) {
    w[p] = a.w + channel * u.taps;
    bias[p] = _mm512_set1_ps(a.bias ? a.bias[channel] : 0.f);
    y[p] = a.y + t * u.OHW;
    if (++channel == u.s->C) channel = 0;
  }
  // Locals: the stores may alias anything, and would have the fields of u read again.
  const int64_t vectors = u.vectors, rows = u.rows, OH = u.OH, OW = u.OW, Wg = u.g.Wg;
  const __mmask16 out[4] = {u.out[0], u.out[1], u.out[2], u.out[3]};
  const FusedActivation act = a.act;
  for (int64_t c0 = 0; c0 < vectors; c0 += NC) {
    __m512 acc[P][NC];
    for (int p = 0; p < P; ++p)
      for (int c = 0; c < NC; ++c) acc[p][c] = bias[p];
    sum_vectors<KW, S, NC, P>(acc, grid, w, c0, u);
    for (int p = 0; p < P; ++p)
      for (int c = 0; c < NC && c0 + c < vectors; ++c) {
        const __m512 v = apply_fused_activation(acc[p][c], act);
        const int64_t first_row = (c0 + c) * rows;
        for (int64_t r = 0; r < rows && first_row + r < OH; ++r)
          _mm512_mask_storeu_ps(y[p] + (first_row + r) * OW - r * Wg, out[r], v);
      }
  }
}

// The run's planes P at a time, each group's grids filled while the group before is summed:
// loads right after the masked stores that filled their lines cannot take the data from
// stores in flight, and wait for them to retire.
template <int KW, int S, int NC, int P>
void run_planes(const DepthwiseArgs& a, float* scratch, const Run& u) {
  // The padding stays zero from here on: each plane writes the same interior.
  std::memset(scratch, 0, sizeof(float) * static_cast<size_t>(2 * P * u.set));
  auto slot = [&](int64_t t) { return scratch + (t - a.first) % (2 * P) * u.set; };
  auto x = [&](int64_t t) { return a.x + t * u.HW; };
  const int64_t end = a.first + a.count;
  for (int64_t t = a.first; t < std::min(end, a.first + P); ++t) fill_grids<S>(slot(t), x(t), u);
  int64_t t = a.first, channel = a.first % u.s->C;
  for (; t + P <= end; t += P, channel = (channel + P) % u.s->C) {
    for (int64_t n = t + P; n < std::min(end, t + 2 * P); ++n) fill_grids<S>(slot(n), x(n), u);
    const float* grid[P];
    for (int p = 0; p < P; ++p) grid[p] = slot(t + p);
    planes_out<KW, S, NC, P>(a, t, channel, grid, u);
  }
  for (; t < end; ++t, channel = (channel + 1) % u.s->C) {  // filled above
    const float* const grid[1] = {slot(t)};
    planes_out<KW, S, NC, 1>(a, t, channel, grid, u);
  }
}

template <int KW, int S>
void run_planes(const DepthwiseArgs& a, float* scratch, const Run& u) {
  // 8 sums in flight: two planes of 4 vectors (7x7), four of 2.
  if (u.vectors >= 8) run_planes<KW, S, 8, 1>(a, scratch, u);
  else if (u.vectors > 2) run_planes<KW, S, 4, 2>(a, scratch, u);
  else if (u.vectors == 2) run_planes<KW, S, 2, 4>(a, scratch, u);
  else run_planes<KW, S, 1, 4>(a, scratch, u);
}

template <int KW>
void run_planes(const DepthwiseArgs& a, float* scratch, const Run& u) {
  if (u.s->SW == 1) run_planes<KW, 1>(a, scratch, u);
  else run_planes<KW, 2>(a, scratch, u);
}

}  // namespace

void dwconv2d_grid_f32__avx512(const DepthwiseArgs& a, const Conv2dShape& s, float* scratch) {
  Run u;
  u.g = dwconv_grid(s);
  u.s = &s;
  u.OH = s.OH(), u.OW = s.OW(), u.HW = s.H * s.W, u.OHW = u.OH * u.OW, u.taps = s.KH * s.KW;
  u.rows = 16 / u.g.Wg;
  u.vectors = (u.OH + u.rows - 1) / u.rows;
  u.set = s.SW * s.SW * u.g.phase;
  u.in = first_lanes(s.W);
  for (int64_t r = 0; r < 4; ++r) u.out[r] = r < u.rows ? static_cast<__mmask16>(first_lanes(u.OW) << (r * u.g.Wg)) : 0;
  switch (s.KW) {
    case 3: run_planes<3>(a, scratch, u); break;
    case 5: run_planes<5>(a, scratch, u); break;
    default: run_planes<7>(a, scratch, u); break;
  }
}

}  // namespace tessera::kernels
