#include "kernels/concat.h"

#include <algorithm>
#include <cstring>

#include "kernels/parallel.h"
#include "tensor/error.h"

namespace tessera::kernels {

void concat_f32(float* y, const float* const* inputs, const int64_t* sizes, int n_inputs, int64_t outer,
                int64_t inner) {
  TESSERA_CHECK(n_inputs >= 1, "concat: needs at least one input");
  int64_t total = 0;
  for (int i = 0; i < n_inputs; ++i) {
    TESSERA_CHECK(sizes[i] >= 0, "concat: input ", i, " has negative size ", sizes[i], " along the dim");
    total += sizes[i];
  }
  const int64_t row = total * inner;  // floats of one outer index in y
  if (outer * row == 0) return;
  // Work items are (outer index, input) blocks; threads only help when blocks are many or big.
  const int64_t items = outer * n_inputs;
  parallel_for(items, std::max<int64_t>(1, (64 << 10) / std::max<int64_t>(row / n_inputs, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t it = b; it < e; ++it) {
                   const int64_t o = it / n_inputs;
                   const int i = int(it % n_inputs);
                   int64_t offset = 0;  // this input's first slot along the dim
                   for (int j = 0; j < i; ++j) offset += sizes[j];
                   const int64_t block = sizes[i] * inner;
                   if (block) std::memcpy(y + o * row + offset * inner, inputs[i] + o * block, block * sizeof(float));
                 }
               });
}

}  // namespace tessera::kernels
