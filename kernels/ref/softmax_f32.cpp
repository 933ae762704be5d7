// The spec of softmax / log_softmax: per row, in double.
#include <cmath>

#include "kernels/softmax.h"

namespace tessera::kernels {

void softmax_rows_f32_ref(float* y, const float* x, int64_t rows, int64_t cols, bool log) {
  for (int64_t r = 0; r < rows; ++r, x += cols, y += cols) {
    double mx = -INFINITY;
    for (int64_t j = 0; j < cols; ++j) mx = std::fmax(mx, x[j]);  // fmax: a NaN does not become the max
    double sum = 0;
    for (int64_t j = 0; j < cols; ++j) sum += std::exp(x[j] - mx);
    const double log_sum = std::log(sum);
    for (int64_t j = 0; j < cols; ++j)
      y[j] = float(log ? (x[j] - mx) - log_sum : std::exp(x[j] - mx) / sum);
  }
}

void softmax_f32_ref(float* y, const float* x, int64_t rows, int64_t cols) {
  softmax_rows_f32_ref(y, x, rows, cols, false);
}
void log_softmax_f32_ref(float* y, const float* x, int64_t rows, int64_t cols) {
  softmax_rows_f32_ref(y, x, rows, cols, true);
}

}  // namespace tessera::kernels
