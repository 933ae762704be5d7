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
  // Stride 2 onto rows of 64 to 256 floats (a stem over a 224 x 224 image: 113): row by
  // row, the masks of every column block worked out first, so that each source row is read
  // once, front to back, where column blocks outermost walked the rows once a block.
  // Alternating in one process with oneDNN, one and two threads: MobileNetV2's stem 0.69-0.81x
  // -> 0.77-0.98x, MobileNetV3's 0.63-0.67x -> 0.73-0.76x; ResNet's 7x7 stem level. Narrower
  // rows (ResNet-50's strided 3x3 convs, 29 floats) lost 2-5 % this way, and keep the blocks
  // outermost; stride 1 (VGG's 3 -> 64) was level to -7 %.
  constexpr int64_t kMaxBlocks = 16;
  if (stride == 2 && n >= 64 && n <= 16 * kMaxBlocks) {
    const int64_t blocks = (n + 15) / 16;
    __mmask16 out[kMaxBlocks], lo[kMaxBlocks], hi[kMaxBlocks];
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t j0 = 16 * b, p = first + j0 * stride;
      out[b] = lanes(0, n - j0);
      lo[b] = lanes(-p, width - p);
      hi[b] = lanes(-p - 16, width - p - 16);
    }
    for (int64_t r = 0; r < rows; ++r) {
      const float* src = x + r * ldx + first;
      float* d = dst + r * n;
      for (int64_t b = 0; b < blocks; ++b)
        _mm512_mask_storeu_ps(d + 16 * b, out[b],
                              _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(lo[b], src + 32 * b), even,
                                                     _mm512_maskz_loadu_ps(hi[b], src + 32 * b + 16)));
    }
    return;
  }
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
