// Depthwise conv, one channel plane, AVX-512: 16 output columns per vector.
// The plane is first copied into a zero-padded scratch so the inner loops have no
// bounds checks; stride 2 de-interleaves even/odd columns with one permute.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/conv2d.h"

namespace tessera::kernels {

void dwconv2d_f32__avx512(const DepthwiseArgs& a, const Conv2dShape& s, float* scratch) {
  const int64_t Hp = s.H + 2 * s.PH, Wp = s.W + 2 * s.PW, OH = s.OH(), OW = s.OW();
  // zero-padded copy of the plane (+1 spare row and 64 floats of slack for vector over-reads)
  std::memset(scratch, 0, sizeof(float) * static_cast<size_t>((Hp + 1) * Wp + 64));
  for (int64_t h = 0; h < s.H; ++h)
    std::memcpy(scratch + (h + s.PH) * Wp + s.PW, a.x + h * s.W, sizeof(float) * static_cast<size_t>(s.W));

  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512 zero = _mm512_setzero_ps(), six = _mm512_set1_ps(6.f), bias = _mm512_set1_ps(a.bias);
  float wk[64];
  const int64_t KK = s.KH * s.KW;
  // Contiguous-in-memory loads: stride 1 directly, stride 2 by de-interleaving 32 values.
  int64_t lanes = 16;  // valid output columns of the current vector
  auto load = [&](const float* p) -> __m512 {
    if (s.SW == 1) return _mm512_loadu_ps(p);
    if (s.SW == 2) return _mm512_permutex2var_ps(_mm512_loadu_ps(p), even, _mm512_loadu_ps(p + 16));
    alignas(64) float tmp[16] = {};
    for (int64_t i = 0; i < lanes; ++i) tmp[i] = p[i * s.SW];
    return _mm512_load_ps(tmp);
  };
  for (int64_t i = 0; i < std::min<int64_t>(KK, 64); ++i) wk[i] = a.w[i];
  const bool small_kernel = KK <= 64;

  for (int64_t oh = 0; oh < OH; ++oh) {
    float* out = a.y + oh * OW;
    for (int64_t ow = 0; ow < OW; ow += 16) {
      const int64_t cols = lanes = std::min<int64_t>(16, OW - ow);
      const __mmask16 mask = cols == 16 ? __mmask16(0xffff) : __mmask16((1u << cols) - 1);
      __m512 acc = bias;
      for (int64_t kh = 0; kh < s.KH; ++kh) {
        const float* row = scratch + (oh * s.SH + kh * s.DH) * Wp + ow * s.SW;
        for (int64_t kw = 0; kw < s.KW; ++kw) {
          const float wv = small_kernel ? wk[kh * s.KW + kw] : a.w[kh * s.KW + kw];
          acc = _mm512_fmadd_ps(_mm512_set1_ps(wv), load(row + kw * s.DW), acc);
        }
      }
      if (a.act != FusedActivation::none) acc = _mm512_max_ps(acc, zero);
      if (a.act == FusedActivation::relu6) acc = _mm512_min_ps(acc, six);
      _mm512_mask_storeu_ps(out + ow, mask, acc);
    }
  }
}

}  // namespace tessera::kernels
