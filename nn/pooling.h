// Pooling modules (torch.nn names and defaults), NCHW.
#pragma once
#include "kernels/pool.h"
#include "nn/module.h"

namespace tessera::nn {

class MaxPool2d : public Module {
 public:
  // stride 0 means "= kernel_size", as torch's stride=None.
  MaxPool2d(int64_t kernel_size, int64_t stride = 0, int64_t padding = 0, int64_t dilation = 1, bool ceil_mode = false);
  Tensor forward(const Tensor& x) override;
  const char* type_name() const override { return "MaxPool2d"; }
  kernels::Pool2dParams params;
};

class AvgPool2d : public Module {
 public:
  AvgPool2d(int64_t kernel_size, int64_t stride = 0, int64_t padding = 0, bool ceil_mode = false,
            bool count_include_pad = true);
  Tensor forward(const Tensor& x) override;
  const char* type_name() const override { return "AvgPool2d"; }
  kernels::Pool2dParams params;
};

class AdaptiveAvgPool2d : public Module {
 public:
  AdaptiveAvgPool2d(int64_t out_h, int64_t out_w) : out_h(out_h), out_w(out_w) {}
  explicit AdaptiveAvgPool2d(int64_t out) : AdaptiveAvgPool2d(out, out) {}
  Tensor forward(const Tensor& x) override;
  const char* type_name() const override { return "AdaptiveAvgPool2d"; }
  int64_t out_h, out_w;
};

}  // namespace tessera::nn
