// Parameter initialisation as torch.nn's defaults do it, from one global seeded
// generator (nn::manual_seed, like torch.manual_seed). Values differ from PyTorch's
// stream; distributions and bounds are the same.
#pragma once
#include <cstdint>

#include "tensor/tensor.h"

namespace tessera::nn {

void manual_seed(uint64_t seed);
// U(-bound, bound), bound = 1/sqrt(fan_in): torch's default for Conv2d/Linear weights
// (kaiming_uniform with a=sqrt(5)) and biases.
void init_uniform_fan_in(Tensor& t, int64_t fan_in);

// While one is alive on this thread, init_uniform_fan_in leaves tensors as allocated, so
// modules built meanwhile hold uninitialised parameters (torch.nn.utils.skip_init): for
// a model whose every parameter a strict load_state_dict then overwrites, or one that is
// only counted. Building ViT-L/16 with its random init takes seconds.
class SkipInit {
 public:
  SkipInit();
  ~SkipInit();
  SkipInit(const SkipInit&) = delete;
  SkipInit& operator=(const SkipInit&) = delete;
};

}  // namespace tessera::nn
