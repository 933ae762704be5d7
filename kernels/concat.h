// torch.cat along one dim of contiguous tensors. With the inputs viewed as
// [outer, sizes[i], inner] (outer = product of the dims before `dim`, inner = of those after),
// the output [outer, sum(sizes), inner] is, for each outer index, the inputs' blocks of
// sizes[i] * inner floats back to back: one memcpy per block, no ISA-specific code needed
// (memcpy is already the fastest copy the C library has). DenseNet concatenates along C at
// every layer, so with outer = N this is N * n_inputs large copies.
#pragma once
#include <cstdint>

namespace tessera::kernels {

void concat_f32(float* y, const float* const* inputs, const int64_t* sizes, int n_inputs, int64_t outer,
                int64_t inner);

// The spec: one loop over output elements, each looked up in the input it comes from.
void concat_f32_ref(float* y, const float* const* inputs, const int64_t* sizes, int n_inputs, int64_t outer,
                    int64_t inner);

}  // namespace tessera::kernels
