// Permute: torchvision.ops.misc.Permute, a parameter-free module that reorders dims
// (torchvision's ConvNeXt and Swin switch NCHW <-> NHWC with it). Returns a
// contiguous tensor, ready for the kernels.
#pragma once
#include "nn/module.h"

namespace tessera::nn {

class Permute : public Module {
 public:
  explicit Permute(Shape dims) : dims(std::move(dims)) {}
  Tensor forward(const Tensor& x) override {
    TESSERA_CHECK(x.defined() && x.dim() == static_cast<int64_t>(dims.size()), "Permute: expected a ", dims.size(),
                  "-d input, got ", x.defined() ? shape_str(x.shape()) : std::string("undefined"));
    return x.permute(dims).contiguous();
  }
  const char* type_name() const override { return "Permute"; }
  Shape dims;
};

}  // namespace tessera::nn
