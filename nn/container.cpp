#include "nn/container.h"

namespace tessera::nn {

Sequential::Sequential(std::vector<std::shared_ptr<Module>> modules) {
  for (auto& m : modules) push_back(std::move(m));
}

void Sequential::push_back(std::shared_ptr<Module> m) { register_module(std::to_string(children().size()), std::move(m)); }

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (const auto& [name, m] : children()) y = m->forward(y);
  return y;
}

Tensor Dropout::forward(const Tensor& x) {
  TESSERA_CHECK(!training(), "Dropout: training mode is not supported yet (call eval())");
  return x;
}

}  // namespace tessera::nn
