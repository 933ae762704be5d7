// The epilogue activations (kernels/fused_activation.h) on a zmm register, shared by the
// GEMM and direct-convolution microkernels. Include only from AVX-512 files.
#pragma once
#include <immintrin.h>

#include "kernels/fused_activation.h"

namespace tessera::kernels {

inline __m512 apply_fused_activation(__m512 v, FusedActivation act) {
  if (act == FusedActivation::relu) return _mm512_max_ps(v, _mm512_setzero_ps());
  if (act == FusedActivation::relu6) return _mm512_min_ps(_mm512_max_ps(v, _mm512_setzero_ps()), _mm512_set1_ps(6.f));
  return v;
}

}  // namespace tessera::kernels
