// torchvision.ops.MLP(in, [hidden, out], activation_layer=nn.GELU, dropout=p) as ViT's
// MLPBlock and Swin's mlp build it: Sequential(Linear, GELU, Dropout, Linear, Dropout),
// so its parameters are named 0.weight, 0.bias, 3.weight, 3.bias.
#pragma once
#include <memory>

#include "nn/activation.h"
#include "nn/container.h"
#include "nn/linear.h"

namespace tessera::nn {

inline std::shared_ptr<Sequential> make_gelu_mlp(int64_t in, int64_t hidden, int64_t out, float dropout = 0.f) {
  return std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{
      std::make_shared<Linear>(in, hidden), std::make_shared<GELU>(), std::make_shared<Dropout>(dropout),
      std::make_shared<Linear>(hidden, out), std::make_shared<Dropout>(dropout)});
}

}  // namespace tessera::nn
