// The activations a GEMM/conv epilogue can fuse (the full set lives in kernels/activation.h).
#pragma once

namespace tessera::kernels {

enum class FusedActivation { none, relu, relu6 };

}  // namespace tessera::kernels
