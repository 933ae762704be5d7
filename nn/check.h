// Input checks shared by the modules: one clear line naming the module and the shapes.
#pragma once
#include "tensor/tensor.h"

namespace tessera::nn {

// x must be a float32 tensor of rank `rank` whose dimension `dim` is `size` (size < 0: any).
inline void check_input(const Tensor& x, const char* module, int64_t rank, int64_t dim = 0, int64_t size = -1,
                        const char* layout = "") {
  TESSERA_CHECK(x.defined() && x.dtype() == DType::f32, module, ": expected a float32 input");
  TESSERA_CHECK(x.dim() == rank && (size < 0 || x.size(dim) == size), module, ": expected input ", layout,
                size >= 0 ? " with " + std::to_string(size) + " at dim " + std::to_string(dim) : std::string(),
                ", got ", shape_str(x.shape()));
}

}  // namespace tessera::nn
