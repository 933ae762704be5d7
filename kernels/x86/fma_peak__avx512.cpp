#include <immintrin.h>

#include <cstdint>

namespace tessera::kernels {

// 10 independent zmm accumulators cover the FMA latency on every AVX-512 core we know.
int64_t fma_peak_loop__avx512(int64_t iters) {
  __m512 acc[10];
  for (int j = 0; j < 10; ++j) acc[j] = _mm512_set1_ps(float(j));
  const __m512 m = _mm512_set1_ps(0.999f), a = _mm512_set1_ps(1e-3f);
  for (int64_t i = 0; i < iters; ++i)
    for (int j = 0; j < 10; ++j) acc[j] = _mm512_fmadd_ps(acc[j], m, a);
  __m512 s = acc[0];
  for (int j = 1; j < 10; ++j) s = _mm512_add_ps(s, acc[j]);
  volatile float sink = _mm512_reduce_add_ps(s);
  (void)sink;
  return iters * 10 * 16 * 2;
}

}  // namespace tessera::kernels
