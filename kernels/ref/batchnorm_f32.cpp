// The spec of BatchNorm inference: the textbook formula per element, in double.
#include <cmath>

#include "kernels/batchnorm.h"

namespace tessera::kernels {

void batchnorm_inference_f32_ref(float* y, const float* x, const float* gamma, const float* beta,
                                 const float* mean, const float* var, float eps, int64_t N,
                                 int64_t C, int64_t HW, bool relu) {
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c) {
      const double g = gamma ? gamma[c] : 1.0, b = beta ? beta[c] : 0.0;
      const double inv_std = 1.0 / std::sqrt(double(var[c]) + double(eps));
      const int64_t base = (n * C + c) * HW;
      for (int64_t p = 0; p < HW; ++p) {
        const double v = (x[base + p] - double(mean[c])) * inv_std * g + b;
        y[base + p] = float(relu && v < 0 ? 0.0 : v);
      }
    }
}

void affine_plane_f32_ref(float* y, const float* x, float scale, float shift, int64_t n, bool relu) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i] * scale + shift;
    y[i] = relu && v < 0.f ? 0.f : v;
  }
}

}  // namespace tessera::kernels
