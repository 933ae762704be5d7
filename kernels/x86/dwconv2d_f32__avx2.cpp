// Depthwise conv, one channel plane, AVX2 + FMA: 8 output columns per vector.
//
// The plane is copied into a zero-padded scratch, so every tap is a plain unaligned load
// (AVX2's masked loads are slow, and it has no cross-lane rotation to share loads between
// taps the way the AVX-512 kernel does). A block of R output rows x V vectors then walks
// the kernel: each weight is broadcast once per block and feeds R x V = 8 accumulators,
// enough independent chains to hide the FMA latency, with registers left for operands.
// Stride 2 loads 16 columns once for two taps: an in-lane shuffle takes the even ones
// (tap kw) and another the odd ones (tap kw + 1), both in the lane order 0 1 4 5 2 3 6 7,
// which one permute per output vector undoes at the store.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/conv2d.h"

namespace tessera::kernels {

namespace {

struct Plane {
  const float* pad;  // zero-padded input plane, Wp floats per row, slack after the last
  int64_t Wp, OW;
  const Conv2dShape* s;
  const float* w;
  float bias;
  FusedActivation act;
  float* y;
};

// Lanes 0 1 4 5 2 3 6 7 (pairs of columns) back to 0..7.
inline __m256 unshuffle(__m256 v) {
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), _MM_SHUFFLE(3, 1, 2, 0)));
}

// 8 input values feeding 8 consecutive outputs of a stride that is neither 1 nor 2.
inline __m256 gather_cols(const float* p, int64_t stride) {
  alignas(32) float tmp[8];
  for (int i = 0; i < 8; ++i) tmp[i] = p[i * stride];
  return _mm256_load_ps(tmp);
}

// Output rows [oh, oh + R) x columns [ow, ow + 8V). SW: 1, 2 (dilation 1) or 0 (any other).
// K: 3 or 5 for a square kernel of stride 1 and dilation 1 (the taps unrolled, the input
// rows' addresses stepped once per block), else 0 (any shape, loops at run time).
template <int R, int V, int SW, int K>
void block(const Plane& p, int64_t oh, int64_t ow) {
  const Conv2dShape& s = *p.s;
  const int64_t KH = K ? K : s.KH, KW = K ? K : s.KW;
  const int64_t SH = K ? SW : s.SH, DH = K ? 1 : s.DH, DW = K ? 1 : s.DW;
  __m256 acc[R][V];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) acc[r][v] = _mm256_set1_ps(p.bias);
  // Input row j of the block (output row r, kernel row kh: j = r * SH + kh * DH).
  constexpr int kRows = K ? (R - 1) * SW + K : 1;
  const float* in[kRows];
  const float* top = p.pad + oh * SH * p.Wp + ow * (SW ? SW : s.SW);
  if constexpr (K > 0) {
    in[0] = top;
#pragma GCC unroll 16
    for (int j = 1; j < kRows; ++j) in[j] = in[j - 1] + p.Wp;
  }
  auto row = [&](int r, int64_t kh) { return K ? in[r * SW + kh] : top + (r * SH + kh * DH) * p.Wp; };
#pragma GCC unroll 7
  for (int64_t kh = 0; kh < KH; ++kh) {
    const float* wk = p.w + kh * KW;
    if constexpr (SW == 2) {
#pragma GCC unroll 4
      for (int64_t kw = 0; kw < KW; kw += 2) {
        const __m256 w0 = _mm256_set1_ps(wk[kw]);
        const bool pair = kw + 1 < KW;
        const __m256 w1 = _mm256_set1_ps(pair ? wk[kw + 1] : 0.f);
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
          for (int v = 0; v < V; ++v) {
            const float* src = row(r, kh) + 16 * v + kw;
            const __m256 lo = _mm256_loadu_ps(src), hi = _mm256_loadu_ps(src + 8);
            acc[r][v] = _mm256_fmadd_ps(w0, _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0)), acc[r][v]);
            if (pair) acc[r][v] = _mm256_fmadd_ps(w1, _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1)), acc[r][v]);
          }
      }
    } else {
#pragma GCC unroll 7
      for (int64_t kw = 0; kw < KW; ++kw) {
        const __m256 wv = _mm256_set1_ps(wk[kw]);
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
          for (int v = 0; v < V; ++v) {
            const float* src = row(r, kh) + (8 * v) * s.SW + kw * DW;
            const __m256 xv = SW == 1 ? _mm256_loadu_ps(src) : gather_cols(src, s.SW);
            acc[r][v] = _mm256_fmadd_ps(wv, xv, acc[r][v]);
          }
      }
    }
  }
  // The activation as a clamp (no branch per vector); whole vectors unless the block
  // reaches past the row's last output column.
  const __m256 floor = _mm256_set1_ps(p.act == FusedActivation::none ? -INFINITY : 0.f);
  const __m256 ceil = _mm256_set1_ps(p.act == FusedActivation::relu6 ? 6.f : INFINITY);
  const bool whole = ow + 8 * V <= p.OW;
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    float* out = p.y + (oh + r) * p.OW + ow;
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) {
      __m256 a = acc[r][v];
      if constexpr (SW == 2) a = unshuffle(a);
      a = _mm256_min_ps(_mm256_max_ps(a, floor), ceil);
      const int64_t lanes = whole ? 8 : std::min<int64_t>(8, p.OW - (ow + 8 * v));
      if (lanes == 8) {
        _mm256_storeu_ps(out + 8 * v, a);
      } else if (lanes > 0) {
        const __m256i live = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(lanes)),
                                                _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        _mm256_maskstore_ps(out + 8 * v, live, a);
      }
    }
  }
}

template <int V, int SW, int K>
void rows(const Plane& p, int64_t OH) {
  constexpr int R = 8 / V;
  for (int64_t ow = 0; ow < p.OW; ow += 8 * V) {
    int64_t oh = 0;
    for (; oh + R <= OH; oh += R) block<R, V, SW, K>(p, oh, ow);
    for (; oh < OH; ++oh) block<1, V, SW, K>(p, oh, ow);
  }
}

template <int SW, int K>
void plane(const Plane& p, int64_t OH) {
  if (p.OW > 8) rows<2, SW, K>(p, OH);
  else rows<1, SW, K>(p, OH);
}

// Unrolled taps pay for 3x3 and 5x5 of stride 1 (22-27 % against the loops); 7x7 ran
// 27-35 % slower unrolled (ten row addresses and 49 taps outgrow the registers), and
// stride 2 4-19 % slower.
template <int SW>
void plane(const Plane& p, int64_t OH) {
  if constexpr (SW == 1) {
    const Conv2dShape& s = *p.s;
    if (s.KH == s.KW && s.SH == 1 && s.DH == 1 && s.DW == 1) {
      if (s.KH == 3) return plane<1, 3>(p, OH);
      if (s.KH == 5) return plane<1, 5>(p, OH);
    }
  }
  plane<SW, 0>(p, OH);
}

}  // namespace

void dwconv2d_f32__avx2(const DepthwiseArgs& a, const Conv2dShape& s, float* scratch) {
  const int64_t Wp = s.W + 2 * s.PW, OH = s.OH(), OW = s.OW();
  pad_plane_f32(scratch, a.x, s);

  const Plane p{scratch, Wp, OW, &s, a.w, a.bias, a.act, a.y};
  if (s.SW == 1) plane<1>(p, OH);
  else if (s.SW == 2 && s.DW == 1) plane<2>(p, OH);
  else plane<0>(p, OH);
}

}  // namespace tessera::kernels
