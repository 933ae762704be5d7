// Which kernels OpenBLAS, a peer in bench-kernels, runs on this CPU.
//
// OpenBLAS picks its kernels ("core") from the CPU model when it loads. A CPU newer than
// its release is unknown to it and gets the generic SSE3 core, Prescott: Debian's 0.3.21
// on an Emerald Rapids Xeon (family 6, model 207) ran SGEMM at 23 GFLOP/s against 149 with
// its AVX-512 kernels. A peer held to kernels two ISAs below the machine's says nothing,
// so bench-kernels runs OpenBLAS on the core of the widest ISA the CPU has, as Tessera and
// oneDNN run theirs, unless OPENBLAS_CORETYPE is set (then it is left as set).
// bench/compare_pytorch.py applies the same rule to the OpenBLAS under PyTorch.
#pragma once
#include <string>

namespace tessera::bench {

// The OPENBLAS_CORETYPE that gives OpenBLAS its kernels for the CPU's widest ISA, given
// the core it picked itself (openblas_get_corename()) and the CPU's features; empty when
// the picked core already uses that ISA. SkylakeX for AVX-512, Haswell for AVX2 + FMA.
std::string openblas_better_core(const std::string& picked, bool has_avx512, bool has_avx2_fma);

}  // namespace tessera::bench
