// Depthwise conv, one channel plane, AVX-512: 16 output columns per vector.
//
// The plane is first copied into a zero-padded scratch so the inner loops have no
// bounds checks. Each step computes a block of R output rows x V vectors with R*V = 8
// independent accumulators: a single accumulator would wait on the FMA latency at every
// one of the KH*KW taps. Stride 2 de-interleaves even/odd columns with one permute.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/conv2d.h"

namespace tessera::kernels {

namespace {

struct Plane {
  const float* pad;  // zero-padded input plane, Wp floats per row
  int64_t Wp, OW;
  const Conv2dShape* s;
  const float* w;
  __m512 bias;
  FusedActivation act;
  float* y;
};

const __m512i kEven = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);

// 16 input values feeding 16 consecutive outputs (columns `stride` apart in the input).
// SW is the stride when known at compile time (1 or 2), 0 for any other.
template <int SW>
inline __m512 load_cols(const float* p, int64_t stride, int64_t lanes) {
  if constexpr (SW == 1) return _mm512_loadu_ps(p);
  if constexpr (SW == 2) return _mm512_permutex2var_ps(_mm512_loadu_ps(p), kEven, _mm512_loadu_ps(p + 16));
  alignas(64) float tmp[16] = {};
  for (int64_t i = 0; i < lanes; ++i) tmp[i] = p[i * stride];
  return _mm512_load_ps(tmp);
}

inline __m512 activate(__m512 v, FusedActivation act) {
  if (act != FusedActivation::none) v = _mm512_max_ps(v, _mm512_setzero_ps());
  if (act == FusedActivation::relu6) v = _mm512_min_ps(v, _mm512_set1_ps(6.f));
  return v;
}

// Output rows [oh, oh+R) x columns [ow, ow + 16V).
template <int R, int V, int SW>
void block(const Plane& p, int64_t oh, int64_t ow) {
  const Conv2dShape& s = *p.s;
  __m512 acc[R][V];
  int64_t lanes[V];
  for (int v = 0; v < V; ++v) lanes[v] = std::clamp<int64_t>(p.OW - (ow + 16 * v), 0, 16);
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) acc[r][v] = p.bias;
  for (int64_t kh = 0; kh < s.KH; ++kh) {
    for (int64_t kw = 0; kw < s.KW; ++kw) {
      const __m512 wv = _mm512_set1_ps(p.w[kh * s.KW + kw]);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        const float* row = p.pad + ((oh + r) * s.SH + kh * s.DH) * p.Wp + ow * s.SW + kw * s.DW;
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v)
          acc[r][v] = _mm512_fmadd_ps(wv, load_cols<SW>(row + 16 * v * s.SW, s.SW, lanes[v]), acc[r][v]);
      }
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    float* out = p.y + (oh + r) * p.OW + ow;
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) {
      const __mmask16 m = lanes[v] == 16 ? __mmask16(0xffff) : __mmask16((1u << lanes[v]) - 1);
      _mm512_mask_storeu_ps(out + 16 * v, m, activate(acc[r][v], p.act));
    }
  }
}

template <int V, int SW>
void rows(const Plane& p, int64_t OH) {
  constexpr int R = 8 / V;
  for (int64_t ow = 0; ow < p.OW; ow += 16 * V) {
    int64_t oh = 0;
    for (; oh + R <= OH; oh += R) block<R, V, SW>(p, oh, ow);
    for (; oh < OH; ++oh) block<1, V, SW>(p, oh, ow);
  }
}

template <int SW>
void plane(const Plane& p, int64_t OH) {
  if (p.OW > 32) rows<4, SW>(p, OH);
  else if (p.OW > 16) rows<2, SW>(p, OH);
  else rows<1, SW>(p, OH);
}

}  // namespace

void dwconv2d_f32__avx512(const DepthwiseArgs& a, const Conv2dShape& s, float* scratch) {
  const int64_t Hp = s.H + 2 * s.PH, Wp = s.W + 2 * s.PW, OH = s.OH(), OW = s.OW();
  // Zero-padded copy: zero only the borders (+1 spare row and 64 floats of slack for
  // vector reads past the last valid column).
  std::memset(scratch, 0, sizeof(float) * static_cast<size_t>(s.PH * Wp));
  for (int64_t h = 0; h < s.H; ++h) {
    float* d = scratch + (h + s.PH) * Wp;
    std::fill(d, d + s.PW, 0.f);
    std::memcpy(d + s.PW, a.x + h * s.W, sizeof(float) * static_cast<size_t>(s.W));
    std::fill(d + s.PW + s.W, d + Wp, 0.f);
  }
  std::memset(scratch + (s.PH + s.H) * Wp, 0, sizeof(float) * static_cast<size_t>((Hp + 1 - s.PH - s.H) * Wp + 64));

  const Plane p{scratch, Wp, OW, &s, a.w, _mm512_set1_ps(a.bias), a.act, a.y};
  if (s.SW == 1) plane<1>(p, OH);
  else if (s.SW == 2) plane<2>(p, OH);
  else plane<0>(p, OH);
}

}  // namespace tessera::kernels
