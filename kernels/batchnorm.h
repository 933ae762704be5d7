// BatchNorm2d at inference over NCHW, as torch.nn.functional.batch_norm(training=False):
//   y = (x - mean[c]) / sqrt(var[c] + eps) * gamma[c] + beta[c]     (optionally then ReLU)
// computed as one per-channel affine y = x * scale[c] + shift[c], with scale and shift folded
// once in double. The same fold turns a Conv -> BN pair into one conv:
//   w'[oc, ...] = w[oc, ...] * scale[oc],   b'[oc] = (b[oc] - mean[oc]) * scale[oc] + beta[oc].
// gamma / beta may be null (affine=False: 1 and 0). A backward would sit beside these with
// the batch statistics as its saved inputs.
#pragma once
#include <cstdint>

namespace tessera::kernels {

// scale[c] = gamma[c] / sqrt(var[c] + eps), shift[c] = beta[c] - mean[c] * scale[c], c < C.
void batchnorm_fold_f32(float* scale, float* shift, const float* gamma, const float* beta,
                        const float* mean, const float* var, float eps, int64_t C);

// Folds BN into the conv before it; w is [OC, w_per_oc] (e.g. IC/groups * KH * KW), b may be
// null (bias=False). w_out / b_out may alias w / b.
void batchnorm_fold_into_conv_f32(float* w_out, float* b_out, const float* w, const float* b,
                                  const float* gamma, const float* beta, const float* mean,
                                  const float* var, float eps, int64_t OC, int64_t w_per_oc);

// y[n, c, p] = x[n, c, p] * scale[c] + shift[c], then max(., 0) if relu; p < HW. shift may be
// null (a per-channel scale only). y may alias x.
void channel_affine_f32(float* y, const float* x, const float* scale, const float* shift, int64_t N,
                        int64_t C, int64_t HW, bool relu);

// BN inference straight from the running statistics (folds per channel, no allocation).
void batchnorm_inference_f32(float* y, const float* x, const float* gamma, const float* beta,
                             const float* mean, const float* var, float eps, int64_t N, int64_t C,
                             int64_t HW, bool relu);

// The spec: the formula above, per element in double (tests compare every path with it).
void batchnorm_inference_f32_ref(float* y, const float* x, const float* gamma, const float* beta,
                                 const float* mean, const float* var, float eps, int64_t N,
                                 int64_t C, int64_t HW, bool relu);

// One plane of the affine (the per-ISA kernels behind channel_affine_f32); shift as a value.
void affine_plane_f32_ref(float* y, const float* x, float scale, float shift, int64_t n, bool relu);
void affine_plane_f32__avx2(float* y, const float* x, float scale, float shift, int64_t n, bool relu);
void affine_plane_f32__avx512(float* y, const float* x, float scale, float shift, int64_t n, bool relu);

}  // namespace tessera::kernels
