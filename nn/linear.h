// Linear: y = x W^T + b, torch parameter names; W packed once for the GEMM (as its A for
// few rows, as W^T, its B, for many), kept beside W while the weights and the row regime
// stay the same.
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
  // One of the two at a time, packed at weights generation generation_.
  kernels::PackedA packed_;    // W, for few rows
  kernels::PackedB packed_t_;  // W^T, for many rows
  uint64_t generation_ = 0;
};

}  // namespace tessera::nn
