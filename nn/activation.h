// Activation modules (torch.nn names). Parameter-free.
#pragma once
#include <string>

#include "kernels/activation.h"
#include "nn/module.h"

namespace tessera::nn {

class Activation : public Module {
 public:
  explicit Activation(kernels::Activation kind) : kind_(kind) {}
  Tensor forward(const Tensor& x) override;
  const char* type_name() const override { return kernels::activation_name(kind_); }
  kernels::Activation kind() const { return kind_; }

 private:
  kernels::Activation kind_;
};

struct ReLU : Activation {
  explicit ReLU(bool /*inplace*/ = false) : Activation(kernels::Activation::relu) {}
};
struct ReLU6 : Activation {
  explicit ReLU6(bool /*inplace*/ = false) : Activation(kernels::Activation::relu6) {}
};
struct GELU : Activation {  // approximate: "none" (erf) or "tanh", as torch.nn.GELU
  explicit GELU(const std::string& approximate = "none")
      : Activation(approximate == "tanh" ? kernels::Activation::gelu_tanh : kernels::Activation::gelu) {}
};
struct SiLU : Activation {
  explicit SiLU(bool /*inplace*/ = false) : Activation(kernels::Activation::silu) {}
};
struct Hardswish : Activation {
  explicit Hardswish(bool /*inplace*/ = false) : Activation(kernels::Activation::hardswish) {}
};
struct Hardsigmoid : Activation {
  explicit Hardsigmoid(bool /*inplace*/ = false) : Activation(kernels::Activation::hardsigmoid) {}
};
struct Sigmoid : Activation {
  Sigmoid() : Activation(kernels::Activation::sigmoid) {}
};

}  // namespace tessera::nn
