// The epilogue activations (kernels/fused_activation.h) on a ymm register, shared by the
// GEMM and direct-convolution microkernels. Include only from AVX2 files.
#pragma once
#include <immintrin.h>

#include "kernels/fused_activation.h"

namespace tessera::kernels {

inline __m256 apply_fused_activation(__m256 v, FusedActivation act) {
  if (act == FusedActivation::relu) return _mm256_max_ps(v, _mm256_setzero_ps());
  if (act == FusedActivation::relu6) return _mm256_min_ps(_mm256_max_ps(v, _mm256_setzero_ps()), _mm256_set1_ps(6.f));
  return v;
}

}  // namespace tessera::kernels
