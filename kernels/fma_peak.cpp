#include "kernels/fma_peak.h"

#include "kernels/kernel_table.h"

namespace tessera::kernels {

int64_t fma_peak_loop_ref(int64_t iters);
int64_t fma_peak_loop__avx2(int64_t iters);
int64_t fma_peak_loop__avx512(int64_t iters);

int64_t fma_peak_loop(Isa isa, int64_t iters) {
  static const KernelTable<int64_t (*)(int64_t)> table = [] {
    KernelTable<int64_t (*)(int64_t)> t;
    t.impl[int(Isa::ref)] = fma_peak_loop_ref;
    t.impl[int(Isa::avx2)] = fma_peak_loop__avx2;
    t.impl[int(Isa::avx512)] = fma_peak_loop__avx512;
    return t;
  }();
  return table.get(isa)(iters);
}

int64_t fma_peak_loop_ref(int64_t iters) {
  float acc[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  volatile float m = 0.999f, a = 1e-3f;
  const float mm = m, aa = a;
  for (int64_t i = 0; i < iters; ++i)
    for (float& x : acc) x = x * mm + aa;
  volatile float sink = acc[0] + acc[7];
  (void)sink;
  return iters * 8 * 2;
}

}  // namespace tessera::kernels
