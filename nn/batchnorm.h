// BatchNorm2d (eval mode: running statistics), torch parameter names.
#pragma once
#include "nn/module.h"

namespace tessera::nn {

class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(int64_t num_features, float eps = 1e-5f, float momentum = 0.1f);
  Tensor forward(const Tensor& x) override;  // eval mode
  const char* type_name() const override { return "BatchNorm2d"; }

  // scale/shift of the eval-mode affine y = x * scale + shift (per channel).
  void folded(float* scale, float* shift) const;

  int64_t num_features;
  float eps, momentum;
  Tensor &weight, &bias, &running_mean, &running_var, &num_batches_tracked;
};

}  // namespace tessera::nn
