// The spec of concat: for each output element, find the input it comes from.
#include "kernels/concat.h"

namespace tessera::kernels {

void concat_f32_ref(float* y, const float* const* inputs, const int64_t* sizes, int n_inputs, int64_t outer,
                    int64_t inner) {
  int64_t total = 0;
  for (int i = 0; i < n_inputs; ++i) total += sizes[i];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < total; ++c) {
      int i = 0;
      int64_t k = c;  // index along the dim inside input i
      while (k >= sizes[i]) k -= sizes[i++];
      for (int64_t j = 0; j < inner; ++j) y[(o * total + c) * inner + j] = inputs[i][(o * sizes[i] + k) * inner + j];
    }
}

}  // namespace tessera::kernels
