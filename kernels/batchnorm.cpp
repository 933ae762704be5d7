#include "kernels/batchnorm.h"

#include <algorithm>
#include <cmath>

#include "kernels/kernel_table.h"
#include "kernels/parallel.h"
#include "tensor/error.h"

namespace tessera::kernels {

using AffinePlaneFn = void (*)(float*, const float*, float, float, int64_t, bool);

static AffinePlaneFn affine_plane_kernel() {
  static const KernelTable<AffinePlaneFn> table = [] {
    KernelTable<AffinePlaneFn> t;
    t.impl[int(Isa::ref)] = affine_plane_f32_ref;
    t.impl[int(Isa::avx2)] = affine_plane_f32__avx2;
    t.impl[int(Isa::avx512)] = affine_plane_f32__avx512;
    return t;
  }();
  return table.get();
}

namespace {
struct ScaleShift {
  float scale, shift;
};
ScaleShift fold_one(const float* gamma, const float* beta, const float* mean, const float* var, float eps,
                    int64_t c) {
  TESSERA_CHECK(var[c] + double(eps) > 0, "batchnorm: var[", c, "] + eps = ", var[c] + double(eps),
                " is not positive");
  const double s = (gamma ? double(gamma[c]) : 1.0) / std::sqrt(double(var[c]) + double(eps));
  return {float(s), float((beta ? double(beta[c]) : 0.0) - double(mean[c]) * s)};
}
}  // namespace

void batchnorm_fold_f32(float* scale, float* shift, const float* gamma, const float* beta,
                        const float* mean, const float* var, float eps, int64_t C) {
  for (int64_t c = 0; c < C; ++c) {
    const ScaleShift f = fold_one(gamma, beta, mean, var, eps, c);
    scale[c] = f.scale;
    shift[c] = f.shift;
  }
}

void batchnorm_fold_into_conv_f32(float* w_out, float* b_out, const float* w, const float* b,
                                  const float* gamma, const float* beta, const float* mean,
                                  const float* var, float eps, int64_t OC, int64_t w_per_oc) {
  for (int64_t oc = 0; oc < OC; ++oc) {
    const double s = fold_one(gamma, beta, mean, var, eps, oc).scale;
    for (int64_t i = 0; i < w_per_oc; ++i) w_out[oc * w_per_oc + i] = float(w[oc * w_per_oc + i] * s);
    const double bias = b ? double(b[oc]) : 0.0;
    b_out[oc] = float((bias - mean[oc]) * s + (beta ? double(beta[oc]) : 0.0));
  }
}

void channel_affine_f32(float* y, const float* x, const float* scale, const float* shift, int64_t N,
                        int64_t C, int64_t HW, bool relu) {
  const AffinePlaneFn fn = affine_plane_kernel();
  parallel_for(N * C, std::max<int64_t>(1, 16384 / std::max<int64_t>(HW, 1)), [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      const int64_t c = p % C;
      fn(y + p * HW, x + p * HW, scale[c], shift ? shift[c] : 0.f, HW, relu);
    }
  });
}

void batchnorm_inference_f32(float* y, const float* x, const float* gamma, const float* beta,
                             const float* mean, const float* var, float eps, int64_t N, int64_t C,
                             int64_t HW, bool relu) {
  for (int64_t c = 0; c < C; ++c) fold_one(gamma, beta, mean, var, eps, c);  // validate first
  const AffinePlaneFn fn = affine_plane_kernel();
  parallel_for(N * C, std::max<int64_t>(1, 16384 / std::max<int64_t>(HW, 1)), [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      const ScaleShift f = fold_one(gamma, beta, mean, var, eps, p % C);
      fn(y + p * HW, x + p * HW, f.scale, f.shift, HW, relu);
    }
  });
}

}  // namespace tessera::kernels
