// A Sequential whose children carry names, as torch's nn.Sequential(OrderedDict(...))
// (ViT's encoder.layers.encoder_layer_0, heads.head): runs them in insertion order.
#pragma once
#include <memory>
#include <string>

#include "nn/module.h"

namespace tessera::nn {

class NamedSequential : public Module {
 public:
  template <typename M>
  std::shared_ptr<M> add(std::string name, std::shared_ptr<M> m) {
    return register_module(std::move(name), std::move(m));
  }
  Tensor forward(const Tensor& x) override {
    Tensor y = x;
    for (const auto& [name, m] : children()) y = m->forward(y);
    return y;
  }
  const char* type_name() const override { return "Sequential"; }
};

}  // namespace tessera::nn
