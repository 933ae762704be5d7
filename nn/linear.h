// Linear: y = x W^T + b, torch parameter names; W packed once for the GEMM.
#pragma once
#include "kernels/gemm.h"
#include "nn/module.h"

namespace tessera::nn {

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true);
  Tensor forward(const Tensor& x) override;  // x [..., in] -> [..., out]
  const char* type_name() const override { return "Linear"; }

  int64_t in_features, out_features;
  Tensor& weight;
  Tensor* bias = nullptr;

 private:
  kernels::PackedA packed_;
  uint64_t generation_ = 0;
};

}  // namespace tessera::nn
