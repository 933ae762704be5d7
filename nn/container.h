// Containers and shape-only modules: Sequential, Identity, Flatten, Dropout.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nn/module.h"

namespace tessera::nn {

class Sequential : public Module {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<std::shared_ptr<Module>> modules);
  void push_back(std::shared_ptr<Module> m);  // named "0", "1", ... as in torch
  Tensor forward(const Tensor& x) override;
  const char* type_name() const override { return "Sequential"; }
  size_t size() const { return children().size(); }
  template <typename M>
  M& at(size_t i) const {
    auto* m = dynamic_cast<M*>(children().at(i).second.get());
    TESSERA_CHECK(m, "Sequential: module ", i, " is a ", children().at(i).second->type_name());
    return *m;
  }
};

class Identity : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x; }
  const char* type_name() const override { return "Identity"; }
};

class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1) : start_dim(start_dim), end_dim(end_dim) {}
  Tensor forward(const Tensor& x) override { return x.flatten(start_dim, end_dim); }
  const char* type_name() const override { return "Flatten"; }
  int64_t start_dim, end_dim;
};

// Identity at inference (eval mode), as torch's Dropout.
class Dropout : public Module {
 public:
  explicit Dropout(float p = 0.5f) : p(p) {}
  Tensor forward(const Tensor& x) override;
  const char* type_name() const override { return "Dropout"; }
  float p;
};

}  // namespace tessera::nn
