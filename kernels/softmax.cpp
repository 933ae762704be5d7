#include "kernels/softmax.h"

#include <algorithm>

#include "kernels/kernel_table.h"
#include "kernels/parallel.h"

namespace tessera::kernels {

using SoftmaxRowsFn = void (*)(float*, const float*, int64_t, int64_t, bool);

static void softmax_dispatch(float* y, const float* x, int64_t rows, int64_t cols, bool log) {
  static const KernelTable<SoftmaxRowsFn> table = [] {
    KernelTable<SoftmaxRowsFn> t;
    t.impl[int(Isa::ref)] = softmax_rows_f32_ref;
    t.impl[int(Isa::avx2)] = softmax_rows_f32__avx2;
    t.impl[int(Isa::avx512)] = softmax_rows_f32__avx512;
    return t;
  }();
  const SoftmaxRowsFn fn = table.get();
  parallel_for(rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(cols, 1)), [&](int64_t b, int64_t e) {
    fn(y + b * cols, x + b * cols, e - b, cols, log);
  });
}

void softmax_f32(float* y, const float* x, int64_t rows, int64_t cols) { softmax_dispatch(y, x, rows, cols, false); }
void log_softmax_f32(float* y, const float* x, int64_t rows, int64_t cols) {
  softmax_dispatch(y, x, rows, cols, true);
}

}  // namespace tessera::kernels
