// Rows of the stride-phase planes (kernels/conv2d_phases.h), AVX-512: 16 output pixels
// per step, the padding as masked-off lanes, the masks made once per column block for
// all rows of the plane. Rows are often 7-30 pixels wide, where the scalar loops'
// per-row set-up costs more than the copy.
#include <immintrin.h>

#include <algorithm>

#include "kernels/conv2d_phases.h"

namespace tessera::kernels {

namespace {
// Lanes [lo, hi) of 16, clamped.
inline __mmask16 lanes(int64_t lo, int64_t hi) {
  lo = std::clamp<int64_t>(lo, 0, 16);
  hi = std::clamp<int64_t>(hi, lo, 16);
  return static_cast<__mmask16>(((1u << hi) - 1) & ~((1u << lo) - 1));
}
}  // namespace

void gather_rows_f32__avx512(float* dst, int64_t n, int64_t rows, const float* x, int64_t ldx, int64_t first,
                             int64_t stride, int64_t width) {
  if (stride > 2) {
    gather_rows_f32_ref(dst, n, rows, x, ldx, first, stride, width);
    return;
  }
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  // Masked lanes are never read, so the addresses may lie outside the row.
  for (int64_t j0 = 0; j0 < n; j0 += 16) {
    const __mmask16 out = lanes(0, n - j0);
    const int64_t p = first + j0 * stride;  // source of lane 0
    const __mmask16 lo = lanes(-p, width - p), hi = lanes(-p - 16, width - p - 16);
    const float* src = x + p;
    float* d = dst + j0;
    if (stride == 1)
      for (int64_t r = 0; r < rows; ++r, src += ldx, d += n)
        _mm512_mask_storeu_ps(d, out, _mm512_maskz_loadu_ps(lo, src));
    else
      for (int64_t r = 0; r < rows; ++r, src += ldx, d += n)
        _mm512_mask_storeu_ps(
            d, out, _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(lo, src), even, _mm512_maskz_loadu_ps(hi, src + 16)));
  }
}

}  // namespace tessera::kernels
