// The GEMM microkernel contract (XNNPACK-style): one MR x NR tile of C from one
// packed A micro-panel (kc x MR) and kc rows of B. It never allocates, never starts
// threads and reads no globals; the epilogue is a parameter.
//
// B row k starts at b + b_offsets[k] (NR floats, of which the first n are used), or,
// when b_offsets is null, at b + k * NR: a packed panel (NR = the path's GemmGeometry::nr),
// walked with no offset loads. A convolution passes the offsets of its (channel, kh, kw)
// rows inside a padded image, so it reads the image in place with no im2col copy
// (kernels/conv2d_phases.h).
#pragma once
#include <cstdint>

#include "kernels/fused_activation.h"

namespace tessera::kernels {

struct UkernelEpilogue {
  float alpha;               // C = alpha * acc + beta * C
  float beta;                // 0: C is not read
  const float* bias_row;     // m values (tile rows), or null; only on the last K block
  const float* bias_col;     // n values (tile columns), or null; only on the last K block
  FusedActivation act;       // only on the last K block
};

// m <= MR rows and n <= NR columns of the tile are computed and stored; B columns past
// n are never read; A is zero-padded to MR rows.
using GemmUkernel = void (*)(int64_t kc, const float* a, const float* b, const int64_t* b_offsets, float* c,
                             int64_t ldc, int64_t m, int64_t n, const UkernelEpilogue& ep);

void gemm_f32_ukernel_14x32__avx512(int64_t kc, const float* a, const float* b, const int64_t* b_offsets, float* c,
                                    int64_t ldc, int64_t m, int64_t n, const UkernelEpilogue& ep);
// n <= 8 columns (a batch-1 classifier head): A is the vector operand, B broadcast.
void gemm_f32_ukernel_14xn__avx512(int64_t kc, const float* a, const float* b, const int64_t* b_offsets, float* c,
                                   int64_t ldc, int64_t m, int64_t n, const UkernelEpilogue& ep);
void gemm_f32_ukernel_6x16__avx2(int64_t kc, const float* a, const float* b, const int64_t* b_offsets, float* c,
                                 int64_t ldc, int64_t m, int64_t n, const UkernelEpilogue& ep);

}  // namespace tessera::kernels
