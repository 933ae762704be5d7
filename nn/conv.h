// Conv2d, torch parameter names and defaults. Weights are packed for the kernels
// once (and again only after a load_state_dict or an ISA change); forward_fused folds
// a following eval-mode BatchNorm and an activation into the same pass.
#pragma once
#include "kernels/conv2d.h"
#include "nn/batchnorm.h"
#include "nn/module.h"

namespace tessera::nn {

struct Conv2dOptions {
  int64_t stride = 1, padding = 0, dilation = 1, groups = 1;
  bool bias = true;
};

class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Conv2dOptions o = {});
  Tensor forward(const Tensor& x) override;
  // conv -> bn (eval, may be null) -> act, in one kernel call.
  Tensor forward_fused(const Tensor& x, const BatchNorm2d* bn, kernels::FusedActivation act);
  const char* type_name() const override { return "Conv2d"; }

  int64_t in_channels, out_channels, kernel_size;
  Conv2dOptions options;
  Tensor& weight;
  Tensor* bias = nullptr;  // null when bias=False

 private:
  kernels::Conv2dShape shape_for(const Tensor& x) const;
  struct Prepared {
    kernels::PackedConv2d packed;
    std::vector<float> bias;  // conv bias with the BN folded in (empty: no bias)
    const BatchNorm2d* bn = nullptr;
    uint64_t generation = 0;
  };
  Prepared prepared_;
  const Prepared& prepare(const BatchNorm2d* bn);
};

}  // namespace tessera::nn
