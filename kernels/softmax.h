// softmax and log_softmax over the last dim of a contiguous [rows, cols] array, as
// torch.softmax(x, -1) / torch.log_softmax(x, -1): the row max is subtracted first so exp
// never overflows (numerically stable); a row of all -inf gives NaN, as in torch.
// y may alias x. The dispatcher splits rows over threads.
#pragma once
#include <cstdint>

namespace tessera::kernels {

void softmax_f32(float* y, const float* x, int64_t rows, int64_t cols);
void log_softmax_f32(float* y, const float* x, int64_t rows, int64_t cols);

// The spec: max, sum of exp and the output per row in double.
void softmax_f32_ref(float* y, const float* x, int64_t rows, int64_t cols);
void log_softmax_f32_ref(float* y, const float* x, int64_t rows, int64_t cols);

// Per-ISA row kernels behind the dispatcher (log = true: log_softmax).
void softmax_rows_f32_ref(float* y, const float* x, int64_t rows, int64_t cols, bool log);
void softmax_rows_f32__avx2(float* y, const float* x, int64_t rows, int64_t cols, bool log);
void softmax_rows_f32__avx512(float* y, const float* x, int64_t rows, int64_t cols, bool log);

}  // namespace tessera::kernels
