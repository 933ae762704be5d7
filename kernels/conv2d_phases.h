// Stride-phase planes: how the convolution paths read a padded image in place
// (internal to kernels/conv2d*.cpp).
//
// The padded image is split into SH x SW stride phases: phase (py, px) holds padded
// pixels (i*SH + py, j*SW + px). Then for every weight position k = (c, kh, kw) the input
// pixels under a run of outputs of one row are contiguous, starting at offsets[k] +
// oh * Wq + ow. The GEMM path reads them as B rows (kernels/gemm_ukernel.h), computing
// and dropping Wq - OW columns per output row; the direct path broadcasts them pixel by
// pixel (kernels/conv2d_ukernel.h).
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/conv2d.h"

namespace tessera::kernels {

struct PhaseLayout {
  int64_t Hq, Wq, plane;
  bool in_place;              // 1x1, stride 1, no padding: the image already is the B matrix
  std::vector<int64_t> used;  // the phases some (kh, kw) reads (a strided 1x1 reads only one)
  std::vector<int64_t> slot;  // phase -> its place in the buffer, -1 if unused
  int64_t phases() const { return static_cast<int64_t>(used.size()); }
};

PhaseLayout phase_layout(const Conv2dShape& s);

// offsets[k] of weight position k = (c, kh, kw): where its run starts in the planes.
void build_offsets(int64_t* offsets, int64_t channels, const Conv2dShape& s, const PhaseLayout& L);

// All rows of every plane, threads splitting the channels.
void build_phases(float* dst, const float* x, int64_t channels, const Conv2dShape& s, const PhaseLayout& L);

// The phase rows under output rows [oh0, oh1) of every plane (the kernel's reach, and one
// row more for tiles that read past a row's end), built into `buf`: grown to the planes
// plus Wq + 64 zeroed floats past the last one, which tiles read past it (values unused).
// Returns the planes. The direct and stem paths' threads each build the band they read.
float* build_phase_band(std::vector<float>& buf, const float* x, int64_t channels, const Conv2dShape& s,
                        const PhaseLayout& L, int64_t oh0, int64_t oh1);

// Rows of a phase plane: row r of dst (n floats, rows back to back) holds
// x[r * ldx + first + j * stride] where first + j * stride lies in [0, width), else 0
// (padding), j < n. The AVX-512 one does strides 1 and 2 a vector at a time.
using GatherRowsFn = void (*)(float* dst, int64_t n, int64_t rows, const float* x, int64_t ldx, int64_t first,
                              int64_t stride, int64_t width);
void gather_rows_f32_ref(float* dst, int64_t n, int64_t rows, const float* x, int64_t ldx, int64_t first,
                         int64_t stride, int64_t width);
void gather_rows_f32__avx512(float* dst, int64_t n, int64_t rows, const float* x, int64_t ldx, int64_t first,
                             int64_t stride, int64_t width);

// Scratch that only grows; callers keep it in thread_local vectors, one per thread.
template <typename T>
inline T* grow(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

}  // namespace tessera::kernels
