// The direct convolution path (AVX-512 and AVX2, groups == 1): weights packed as 32-channel
// panels, output tiles of pixels x channels run by the microkernels of
// kernels/conv2d_ukernel.h. Internal to kernels/conv2d*.cpp.
#pragma once
#include <cstdint>
#include <memory>

#include "kernels/conv2d.h"

namespace tessera::kernels {

bool use_direct(Isa isa, const Conv2dShape& s);
std::shared_ptr<float> pack_direct_weights(const float* w, const Conv2dShape& s);
void conv2d_direct(float* y, const float* x, const PackedConv2d& w, const float* bias, FusedActivation act,
                   const Conv2dShape& s);

}  // namespace tessera::kernels
