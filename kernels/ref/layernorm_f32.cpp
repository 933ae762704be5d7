// The spec of LayerNorm: mean and biased variance in double (two passes), per row / pixel.
#include <cmath>

#include "kernels/layernorm.h"

namespace tessera::kernels {

// One normalisation group of C values spaced `stride` apart.
static void normalise(float* y, float* mean_out, float* rstd_out, const float* x, int64_t stride,
                      const float* gamma, const float* beta, int64_t C, float eps) {
  double mean = 0, var = 0;
  for (int64_t c = 0; c < C; ++c) mean += x[c * stride];
  mean /= double(C);
  for (int64_t c = 0; c < C; ++c) var += (x[c * stride] - mean) * (x[c * stride] - mean);
  var /= double(C);
  const double rstd = 1.0 / std::sqrt(var + double(eps));
  for (int64_t c = 0; c < C; ++c)
    y[c * stride] = float((x[c * stride] - mean) * rstd * (gamma ? gamma[c] : 1.0) + (beta ? beta[c] : 0.0));
  if (mean_out) *mean_out = float(mean);
  if (rstd_out) *rstd_out = float(rstd);
}

void layernorm_f32_ref(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                       const float* beta, int64_t rows, int64_t C, float eps) {
  for (int64_t r = 0; r < rows; ++r)
    normalise(y + r * C, mean ? mean + r : nullptr, rstd ? rstd + r : nullptr, x + r * C, 1, gamma, beta, C, eps);
}

void layernorm2d_pixels_f32_ref(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                                const float* beta, int64_t C, int64_t HW, int64_t p0, int64_t p1, float eps) {
  for (int64_t p = p0; p < p1; ++p)
    normalise(y + p, mean ? mean + p : nullptr, rstd ? rstd + p : nullptr, x + p, HW, gamma, beta, C, eps);
}

void layernorm2d_f32_ref(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                         const float* beta, int64_t N, int64_t C, int64_t HW, float eps) {
  for (int64_t n = 0; n < N; ++n)
    layernorm2d_pixels_f32_ref(y + n * C * HW, mean ? mean + n * HW : nullptr, rstd ? rstd + n * HW : nullptr,
                               x + n * C * HW, gamma, beta, C, HW, 0, HW, eps);
}

}  // namespace tessera::kernels
