#pragma once
#include "kernels/conv2d.h"

namespace tessera::kernels::ref {

// The Conv2d specification: a direct loop nest in PyTorch's index order.
void conv2d_f32(float* y, const float* x, const float* weight, const float* bias, FusedActivation act,
                const Conv2dShape& s);

}  // namespace tessera::kernels::ref
