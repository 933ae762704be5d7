// The register-direct store of a full GEMM tile, shared by the AVX-512 and AVX2 microkernels
// for their common case (alpha 1, beta 0): C = acc (+ a bias per row, + a bias per column),
// then the activation, fixed per tile at compile time, with no spill of the accumulators.
// Include after the ISA's fused_activation__<isa>.h. Vec is __m512 or __m256, Lanes its
// floats; set1, load, add and store are that ISA's intrinsics.
#pragma once
#include <cstdint>
#include <type_traits>

#include "kernels/fused_activation.h"

namespace tessera::kernels {

template <int Rows, int Lanes, typename Vec, typename Set1, typename Load, typename Add, typename Store>
[[gnu::always_inline]] inline void store_full_tile(const Vec (&acc)[Rows][2], float* c, int64_t ldc,
                                                   const float* bias_row, const float* bias_col, FusedActivation act,
                                                   Set1 set1, Load load, Add add, Store store) {
  auto store_all = [&](auto fixed) {
    // The column bias is added after the row bias, in the general epilogue's order.
    const Vec bc0 = bias_col ? load(bias_col) : Vec{}, bc1 = bias_col ? load(bias_col + Lanes) : Vec{};
#pragma GCC unroll 14
    for (int i = 0; i < Rows; ++i) {
      Vec v0 = acc[i][0], v1 = acc[i][1];
      if (bias_row) {
        const Vec br = set1(bias_row[i]);
        v0 = add(v0, br);
        v1 = add(v1, br);
      }
      if (bias_col) {
        v0 = add(v0, bc0);
        v1 = add(v1, bc1);
      }
      store(c + i * ldc, apply_fused_activation(v0, decltype(fixed)::value));
      store(c + i * ldc + Lanes, apply_fused_activation(v1, decltype(fixed)::value));
    }
  };
  using A = FusedActivation;
  if (act == A::relu) store_all(std::integral_constant<A, A::relu>{});
  else if (act == A::relu6) store_all(std::integral_constant<A, A::relu6>{});
  else store_all(std::integral_constant<A, A::none>{});
}

}  // namespace tessera::kernels
