// Kernels templated on a small count (a tile's columns, a plane's vectors) reach the
// instance for a run-time count through with_count.
#pragma once
#include <cstdint>
#include <type_traits>
#include <utility>

namespace tessera::kernels {

// f(std::integral_constant<int, n>{}) for n in 1..Max; any other n counts as Max.
template <int Max, typename F>
inline void with_count(int64_t n, F&& f) {
  const int c = n >= 1 && n <= Max ? static_cast<int>(n) : Max;
  [&]<int... I>(std::integer_sequence<int, I...>) {
    (void)((c == I + 1 ? (f(std::integral_constant<int, I + 1>{}), true) : false) || ...);
  }(std::make_integer_sequence<int, Max>{});
}

}  // namespace tessera::kernels
