#include "nn/init.h"

#include <cmath>

#include "tensor/rng.h"

namespace tessera::nn {

namespace {
Generator& global_generator() {
  static Generator g(0);
  return g;
}
}  // namespace

void manual_seed(uint64_t seed) { global_generator().manual_seed(seed); }

void init_uniform_fan_in(Tensor& t, int64_t fan_in) {
  const float bound = fan_in > 0 ? 1.f / std::sqrt(static_cast<float>(fan_in)) : 0.f;
  global_generator().fill_uniform(t.data<float>(), t.numel(), -bound, bound);
}

}  // namespace tessera::nn
