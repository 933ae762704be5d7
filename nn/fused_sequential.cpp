#include "nn/fused_sequential.h"

#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/conv.h"

namespace tessera::nn {

namespace {

template <typename M>
M* child_as(const Sequential& s, size_t i) {
  return i < s.size() ? dynamic_cast<M*>(s.children()[i].second.get()) : nullptr;
}

}  // namespace

Tensor FusedSequential::forward(const Tensor& x) {
  Tensor y = x;
  bool y_is_fresh = false;  // y was made here, so it may be overwritten in place
  for (size_t i = 0; i < size(); ++i) {
    if (auto* conv = child_as<Conv2d>(*this, i)) {
      const BatchNorm2d* bn = child_as<BatchNorm2d>(*this, i + 1);
      if (bn) ++i;
      auto act = kernels::FusedActivation::none;
      if (auto* a = child_as<Activation>(*this, i + 1)) {
        if (a->kind() == kernels::Activation::relu) act = kernels::FusedActivation::relu;
        if (a->kind() == kernels::Activation::relu6) act = kernels::FusedActivation::relu6;
        if (act != kernels::FusedActivation::none) ++i;
      }
      y = conv->forward_fused(y, bn, act);
      y_is_fresh = true;
    } else if (auto* a = child_as<Activation>(*this, i); a && y_is_fresh) {
      kernels::activation_f32(a->kind(), y.data<float>(), y.data<float>(), y.numel());
    } else {
      y = children()[i].second->forward(y);
      y_is_fresh = false;
    }
  }
  return y;
}

Conv2dNormActivation::Conv2dNormActivation(int64_t in, int64_t out, Options o, std::shared_ptr<Module> activation) {
  push_back(std::make_shared<Conv2d>(in, out, o.kernel_size,
                                     Conv2dOptions{o.stride, (o.kernel_size - 1) / 2, 1, o.groups, false}));
  push_back(std::make_shared<BatchNorm2d>(out, o.eps, o.momentum));
  if (activation) push_back(std::move(activation));
}

}  // namespace tessera::nn
