// LayerNorm forward, as torch.nn.functional.layer_norm with biased variance:
//   y = (x - mean) * rstd * gamma + beta,   rstd = 1 / sqrt(var + eps)
// - layernorm_f32: over the last dim of a contiguous [rows, C] (nn.LayerNorm(C); ViT, Swin).
// - layernorm2d_f32: over C of NCHW at each pixel (ConvNeXt's LayerNorm2d, which torchvision
//   writes as permute -> layer_norm -> permute) without the two transposes.
// mean / rstd ([rows], or [N, HW]) may be null; when given they are what a backward needs.
// gamma / beta may be null (elementwise_affine=False). y may alias x.
#pragma once
#include <cstdint>

namespace tessera::kernels {

void layernorm_f32(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                   const float* beta, int64_t rows, int64_t C, float eps);
void layernorm2d_f32(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                     const float* beta, int64_t N, int64_t C, int64_t HW, float eps);

// The spec: two-pass mean and variance in double.
void layernorm_f32_ref(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                       const float* beta, int64_t rows, int64_t C, float eps);
void layernorm2d_f32_ref(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                         const float* beta, int64_t N, int64_t C, int64_t HW, float eps);

// Per-ISA kernels behind the dispatchers: a range of rows; pixels [p0, p1) of one image
// (x, y at the image, mean / rstd at its [HW] slots).
void layernorm2d_pixels_f32_ref(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                                const float* beta, int64_t C, int64_t HW, int64_t p0, int64_t p1, float eps);
void layernorm_rows_f32__avx2(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                              const float* beta, int64_t rows, int64_t C, float eps);
void layernorm2d_pixels_f32__avx2(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                                  const float* beta, int64_t C, int64_t HW, int64_t p0, int64_t p1, float eps);
void layernorm_rows_f32__avx512(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                                const float* beta, int64_t rows, int64_t C, float eps);
void layernorm2d_pixels_f32__avx512(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                                    const float* beta, int64_t C, int64_t HW, int64_t p0, int64_t p1,
                                    float eps);

}  // namespace tessera::kernels
