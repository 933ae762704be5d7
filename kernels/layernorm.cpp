#include "kernels/layernorm.h"

#include <algorithm>

#include "kernels/kernel_table.h"
#include "kernels/parallel.h"

namespace tessera::kernels {

using RowsFn = void (*)(float*, float*, float*, const float*, const float*, const float*, int64_t, int64_t, float);
using PixelsFn = void (*)(float*, float*, float*, const float*, const float*, const float*, int64_t, int64_t,
                          int64_t, int64_t, float);

void layernorm_f32(float* y, float* mean, float* rstd, const float* x, const float* gamma, const float* beta,
                   int64_t rows, int64_t C, float eps) {
  static const KernelTable<RowsFn> table = [] {
    KernelTable<RowsFn> t;
    t.impl[int(Isa::ref)] = layernorm_f32_ref;
    t.impl[int(Isa::avx2)] = layernorm_rows_f32__avx2;
    t.impl[int(Isa::avx512)] = layernorm_rows_f32__avx512;
    return t;
  }();
  const RowsFn fn = table.get();
  parallel_for(rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(C, 1)), [&](int64_t b, int64_t e) {
    fn(y + b * C, mean ? mean + b : nullptr, rstd ? rstd + b : nullptr, x + b * C, gamma, beta, e - b, C, eps);
  });
}

void layernorm2d_f32(float* y, float* mean, float* rstd, const float* x, const float* gamma, const float* beta,
                     int64_t N, int64_t C, int64_t HW, float eps) {
  static const KernelTable<PixelsFn> table = [] {
    KernelTable<PixelsFn> t;
    t.impl[int(Isa::ref)] = layernorm2d_pixels_f32_ref;
    t.impl[int(Isa::avx2)] = layernorm2d_pixels_f32__avx2;
    t.impl[int(Isa::avx512)] = layernorm2d_pixels_f32__avx512;
    return t;
  }();
  const PixelsFn fn = table.get();
  // Work items are 16-pixel blocks of one image, so a thread never splits a vector.
  const int64_t blocks = (HW + 15) / 16;
  parallel_for(N * blocks, std::max<int64_t>(1, 512 / std::max<int64_t>(C, 1)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t n = i / blocks, p0 = (i % blocks) * 16, p1 = std::min(p0 + 16, HW);
      fn(y + n * C * HW, mean ? mean + n * HW : nullptr, rstd ? rstd + n * HW : nullptr, x + n * C * HW, gamma,
         beta, C, HW, p0, p1, eps);
    }
  });
}

}  // namespace tessera::kernels
