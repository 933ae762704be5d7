#include <immintrin.h>

#include <cstdint>

namespace tessera::kernels {

// 10 independent ymm accumulators: enough to cover 2 FMA pipes x 4-5 cycles of latency.
int64_t fma_peak_loop__avx2(int64_t iters) {
  __m256 acc[10];
  for (int j = 0; j < 10; ++j) acc[j] = _mm256_set1_ps(float(j));
  const __m256 m = _mm256_set1_ps(0.999f), a = _mm256_set1_ps(1e-3f);
  for (int64_t i = 0; i < iters; ++i)
    for (int j = 0; j < 10; ++j) acc[j] = _mm256_fmadd_ps(acc[j], m, a);
  __m256 s = acc[0];
  for (int j = 1; j < 10; ++j) s = _mm256_add_ps(s, acc[j]);
  volatile float sink = _mm256_cvtss_f32(s);
  (void)sink;
  return iters * 10 * 8 * 2;
}

}  // namespace tessera::kernels
