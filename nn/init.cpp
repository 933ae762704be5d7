#include "nn/init.h"

#include <cmath>

#include "tensor/rng.h"

namespace tessera::nn {

namespace {
Generator& global_generator() {
  static Generator g(0);
  return g;
}
thread_local int skip_init_depth = 0;
}  // namespace

void manual_seed(uint64_t seed) { global_generator().manual_seed(seed); }

SkipInit::SkipInit() { ++skip_init_depth; }
SkipInit::~SkipInit() { --skip_init_depth; }

void init_uniform_fan_in(Tensor& t, int64_t fan_in) {
  if (skip_init_depth > 0) return;
  const float bound = fan_in > 0 ? 1.f / std::sqrt(static_cast<float>(fan_in)) : 0.f;
  global_generator().fill_uniform(t.data<float>(), t.numel(), -bound, bound);
}

}  // namespace tessera::nn
