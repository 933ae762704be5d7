// Helpers of the fast-vs-ref kernel tests: sweep the ISA paths this CPU has, random data,
// and an error measure that reports the worst element.
#pragma once
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/cpu.h"
#include "tensor/rng.h"

namespace tessera::testing {

// Runs fn(isa) once per supported path with that path active, restoring the previous one.
template <typename Fn>
void for_each_isa(Fn&& fn) {
  const Isa before = active_isa();
  for (Isa isa : supported_isas()) {
    if (isa == Isa::avx512vnni) continue;  // fp32 kernels: the same code as avx512
    set_active_isa(isa);
    const std::string isa_str = isa_name(isa);
    CAPTURE(isa_str);
    try {
      fn(isa);
    } catch (...) {
      set_active_isa(before);
      throw;
    }
  }
  set_active_isa(before);
}

inline std::vector<float> randn(Generator& gen, int64_t n, float scale = 1.f) {
  std::vector<float> v(static_cast<size_t>(n));
  gen.fill_normal(v.data(), n, 0.f, scale);
  return v;
}

// Worst |got - want| / (atol + rtol |want|) over the arrays: <= 1 means within tolerance.
// NaN anywhere counts as a failure (returns +inf) unless both sides are NaN.
struct Closeness {
  double worst_ratio = 0, worst_abs = 0;
  int64_t worst_index = -1;
};
inline Closeness closeness(const float* got, const float* want, int64_t n, double atol, double rtol) {
  Closeness c;
  for (int64_t i = 0; i < n; ++i) {
    const double g = got[i], w = want[i];
    if (g == w || (std::isnan(g) && std::isnan(w))) continue;  // also equal infinities
    const double d = std::abs(g - w);
    const double r = std::isnan(d) ? INFINITY : d / (atol + rtol * std::abs(w));
    if (!(r <= c.worst_ratio)) c.worst_ratio = r, c.worst_index = i;
    if (d > c.worst_abs || std::isnan(d)) c.worst_abs = d;
  }
  return c;
}

#define TESSERA_CHECK_CLOSE(got, want, n, atol, rtol)                                          \
  do {                                                                                         \
    const auto c_ = ::tessera::testing::closeness((got), (want), (n), (atol), (rtol));          \
    INFO("worst element ", c_.worst_index, " (max abs diff ", c_.worst_abs, ")");              \
    CHECK(c_.worst_ratio <= 1.0);                                                              \
  } while (0)

}  // namespace tessera::testing
