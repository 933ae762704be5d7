// Packing of GEMM operands into micro-panels (see kernels/gemm.h for the layouts).
// Both operands reduce to two moves: rows copied into a panel as they lie, or rows
// transposed into panel columns. AVX-512 and AVX2 versions of both live in
// kernels/x86/gemm_pack_f32__<isa>.cpp; the loops here are the specification.
#include "kernels/gemm_pack.h"

#include <algorithm>
#include <cstring>

#include "kernels/cpu.h"

namespace tessera::kernels {

// kernels/x86/gemm_pack_f32__avx512.cpp, kernels/x86/gemm_pack_f32__avx2.cpp
void pack_transpose_f32__avx512(float* dst, int64_t width, const float* src, int64_t lds, int64_t rows, int64_t kc);
void pack_rows_32_f32__avx512(float* dst, const float* src, int64_t lds, const int64_t* offsets, int64_t cols,
                              int64_t kc);
void pack_transpose_f32__avx2(float* dst, int64_t width, const float* src, int64_t lds, int64_t rows, int64_t kc);
void pack_rows_16_f32__avx2(float* dst, const float* src, int64_t lds, const int64_t* offsets, int64_t cols,
                            int64_t kc);

namespace {

bool have_avx512() { return active_isa() >= Isa::avx512; }
bool have_avx2() { return active_isa() >= Isa::avx2; }

// dst[k * width + i] = src[i * lds + k] for i < rows, 0 for rows <= i < width; k < kc.
// Each source row is walked once, contiguously (reading a column of rows per k instead
// touches lines lds apart, which alias in L1 when lds is a power of two).
void pack_transpose(float* dst, int64_t width, const float* src, int64_t lds, int64_t rows, int64_t kc) {
  if (have_avx512()) {
    pack_transpose_f32__avx512(dst, width, src, lds, rows, kc);
    return;
  }
  if (have_avx2()) {
    pack_transpose_f32__avx2(dst, width, src, lds, rows, kc);
    return;
  }
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t k = 0; k < kc; ++k) dst[k * width + i] = src[i * lds + k];
  for (int64_t i = rows; i < width; ++i)
    for (int64_t k = 0; k < kc; ++k) dst[k * width + i] = 0.f;
}

// Column panels `width` wide: dst[p * kc * width + k * width + j] = row_k[p * width + j]
// for p * width + j < cols, 0 past cols (up to the last panel's width); k < kc, where
// row_k = src + k * lds, or src + offsets[k] when offsets is given.
void pack_rows(float* dst, int64_t width, const float* src, int64_t lds, const int64_t* offsets, int64_t cols,
               int64_t kc) {
  if (width == 32 && have_avx512()) {
    pack_rows_32_f32__avx512(dst, src, lds, offsets, cols, kc);
    return;
  }
  if (width == 16 && have_avx2()) {
    pack_rows_16_f32__avx2(dst, src, lds, offsets, cols, kc);
    return;
  }
  for (int64_t p0 = 0; p0 < cols; p0 += width, dst += kc * width) {
    const int64_t live = std::min(width, cols - p0);
    for (int64_t k = 0; k < kc; ++k) {
      float* d = dst + k * width;
      std::memcpy(d, src + (offsets ? offsets[k] : k * lds) + p0, static_cast<size_t>(live) * sizeof(float));
      for (int64_t j = live; j < width; ++j) d[j] = 0.f;
    }
  }
}

}  // namespace

void pack_a_block(float* dst, bool trans_a, const float* A, int64_t lda, int64_t m0, int64_t mc, int64_t k0, int64_t kc,
                  int64_t mr) {
  for (int64_t p = 0; p < mc; p += mr, dst += kc * mr) {
    const int64_t rows = std::min(mr, mc - p);
    if (trans_a)  // A^T stored [K, M]: each k row of the panel is contiguous in the source
      pack_rows(dst, mr, A + k0 * lda + m0 + p, lda, nullptr, rows, kc);
    else
      pack_transpose(dst, mr, A + (m0 + p) * lda + k0, lda, rows, kc);
  }
}

void pack_b_matrix(const void* ctx, float* dst, int64_t k0, int64_t kc, int64_t n0, int64_t nc, int64_t nr) {
  const auto& m = *static_cast<const MatrixB*>(ctx);
  if (!m.trans) {
    pack_rows(dst, nr, m.data + k0 * m.ld + n0, m.ld, nullptr, nc, kc);
    return;
  }
  // B^T stored [N, K]: panel by panel, so the stores stay sequential.
  for (int64_t j0 = 0; j0 < nc; j0 += nr, dst += kc * nr)
    pack_transpose(dst, nr, m.data + (n0 + j0) * m.ld + k0, m.ld, std::min(nr, nc - j0), kc);
}

void pack_b_rows_at(float* dst, int64_t nr, const float* base, const int64_t* offsets, int64_t n0, int64_t nc,
                    int64_t kc) {
  pack_rows(dst, nr, base + n0, 0, offsets, nc, kc);
}

}  // namespace tessera::kernels
