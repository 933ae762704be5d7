// FusedSequential: a torch nn.Sequential (children "0", "1", ...) whose forward folds
// every Conv2d -> BatchNorm2d -> ReLU/ReLU6 run into one conv call (either of the two
// followers may be absent). Other activations after a conv run in place on its output.
// torchvision builds VGG's features and Conv2dNormActivation (MobileNet) this way.
#pragma once
#include "nn/container.h"

namespace tessera::nn {

class FusedSequential : public Sequential {
 public:
  using Sequential::Sequential;
  Tensor forward(const Tensor& x) override;
};

// Conv2d(k, stride, groups, padding (k-1)/2, no bias) -> BatchNorm2d(eps, momentum) ->
// activation (none: absent), as torchvision.ops.Conv2dNormActivation names them ("0", "1", "2").
class Conv2dNormActivation : public FusedSequential {
 public:
  struct Options {
    int64_t kernel_size = 3, stride = 1, groups = 1;
    float eps = 1e-5f, momentum = 0.1f;
  };
  Conv2dNormActivation(int64_t in_channels, int64_t out_channels, Options o,
                       std::shared_ptr<Module> activation);
};

}  // namespace tessera::nn
