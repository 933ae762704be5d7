// 2-d pooling over NCHW, as torch.nn.functional:
// - max_pool2d(kernel, stride, padding, dilation, ceil_mode): padding counts as -inf; a NaN
//   in a window wins (torch's rule); optional argmax indices (h * W + w in the input plane,
//   what max_unpool / the backward use).
// - avg_pool2d(kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
//   windows are clipped to the padded input; the divisor counts the padding unless
//   count_include_pad is false, but never the part of a ceil_mode window past the padding.
// - adaptive_avg_pool2d(OH, OW): window o covers [floor(o In / Out), ceil((o + 1) In / Out)).
// Output sizes follow torch: floor((In + 2p - d (k - 1) - 1) / s) + 1, or ceil with
// ceil_mode, minus one when the last window would start inside the right padding.
#pragma once
#include <cstdint>

namespace tessera::kernels {

struct Pool2dParams {
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
  bool ceil_mode = false;
  bool count_include_pad = true;  // avg only
  int64_t divisor_override = 0;   // avg only; 0: none
};

// One spatial dim's output size; throws naming the reason (bad kernel / stride / padding,
// output smaller than 1).
int64_t pool_output_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode);

// y is [N, C, OH, OW] with OH, OW from pool_output_size. indices may be null.
void max_pool2d_f32(float* y, int64_t* indices, const float* x, int64_t N, int64_t C, int64_t H, int64_t W,
                    const Pool2dParams& p);
void avg_pool2d_f32(float* y, const float* x, int64_t N, int64_t C, int64_t H, int64_t W, const Pool2dParams& p);
void adaptive_avg_pool2d_f32(float* y, const float* x, int64_t N, int64_t C, int64_t H, int64_t W, int64_t OH,
                             int64_t OW);

// The per-plane kernels behind the dispatchers ([H, W] -> [OH, OW]); ref is the spec.
void max_pool2d_plane_f32_ref(float* y, int64_t* indices, const float* x, int64_t H, int64_t W, int64_t OH,
                              int64_t OW, const Pool2dParams& p);
void avg_pool2d_plane_f32_ref(float* y, const float* x, int64_t H, int64_t W, int64_t OH, int64_t OW,
                              const Pool2dParams& p);
void adaptive_avg_pool2d_plane_f32_ref(float* y, const float* x, int64_t H, int64_t W, int64_t OH, int64_t OW);
// Shared by the vector kernels: output columns [lo, hi) whose windows (`extent` inputs wide)
// need no horizontal clipping; and the border columns [0, lo) and [hi, OW) of output row
// oh, one at a time by the ref's formula (y is the output plane).
void pool_interior_columns(int64_t W, int64_t OW, int64_t stride, int64_t pad, int64_t extent, int64_t& lo,
                           int64_t& hi);
// Avg pooling's output row oh: its input rows [h0, h1) (clipped) and the divisor of its
// interior columns, whose windows span kw inputs exactly.
struct AvgPoolRow {
  int64_t h0, h1, divisor;
};
AvgPoolRow avg_pool2d_row(int64_t H, int64_t oh, const Pool2dParams& p);
void max_pool2d_border_f32(float* y, const float* x, int64_t H, int64_t W, int64_t oh, int64_t OW, int64_t lo,
                           int64_t hi, const Pool2dParams& p);
void avg_pool2d_border_f32(float* y, const float* x, int64_t H, int64_t W, int64_t oh, int64_t OW, int64_t lo,
                           int64_t hi, const Pool2dParams& p);
// Adaptive pooling's window for output o of `out` over `in` inputs: [floor(o in / out),
// ceil((o + 1) in / out)).
inline int64_t adaptive_begin(int64_t o, int64_t in, int64_t out) { return o * in / out; }
inline int64_t adaptive_end(int64_t o, int64_t in, int64_t out) { return ((o + 1) * in + out - 1) / out; }
void max_pool2d_plane_f32__avx2(float* y, int64_t* indices, const float* x, int64_t H, int64_t W, int64_t OH,
                                int64_t OW, const Pool2dParams& p);
void avg_pool2d_plane_f32__avx2(float* y, const float* x, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                const Pool2dParams& p);
void adaptive_avg_pool2d_plane_f32__avx2(float* y, const float* x, int64_t H, int64_t W, int64_t OH, int64_t OW);
void max_pool2d_plane_f32__avx512(float* y, int64_t* indices, const float* x, int64_t H, int64_t W, int64_t OH,
                                  int64_t OW, const Pool2dParams& p);
void avg_pool2d_plane_f32__avx512(float* y, const float* x, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                  const Pool2dParams& p);
void adaptive_avg_pool2d_plane_f32__avx512(float* y, const float* x, int64_t H, int64_t W, int64_t OH, int64_t OW);
// Adaptive pooling to 1 x 1 (global average) over `planes` planes of HW floats at once.
void global_avg_pool_f32__avx2(float* y, const float* x, int64_t planes, int64_t HW);
void global_avg_pool_f32__avx512(float* y, const float* x, int64_t planes, int64_t HW);

}  // namespace tessera::kernels
