// Shared helpers of the C++ parity tests: where the Python oracle wrote its files, and
// the logits comparison every model test makes.
#pragma once
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>

#include "tensor/error.h"
#include "tensor/tensor.h"

namespace tessera::testing {

// TESSERA_PARITY_DIR is set by CTest to the build-tree folder the generators write into.
inline std::string parity_dir() {
  const char* d = std::getenv("TESSERA_PARITY_DIR");
  TESSERA_CHECK(d && *d, "TESSERA_PARITY_DIR is not set: run parity tests through ctest");
  return d;
}

// Row `row` of [N, classes] logits: the top class and its margin over the runner-up.
inline std::pair<int64_t, double> top1(const Tensor& t, int64_t row) {
  const int64_t n = t.size(1);
  int64_t best = 0;
  for (int64_t j = 1; j < n; ++j)
    if (t.get(row * n + j) > t.get(row * n + best)) best = j;
  double second = -INFINITY;
  for (int64_t j = 0; j < n; ++j)
    if (j != best) second = std::max(second, t.get(row * n + j));
  return {best, t.get(row * n + best) - second};
}

struct LogitDiff {
  double diff, scale;  // max |Δlogit| and the reference's logit scale max|logit|
};

// Checks model logits against the reference: max |Δ| <= rel_tol * scale, and the same
// top-1 class wherever the reference's top-1/top-2 margin exceeds that tolerance.
inline LogitDiff check_logits(const Tensor& got, const Tensor& want, double rel_tol = 1e-4) {
  REQUIRE(got.shape() == want.shape());
  double scale = 0;
  for (int64_t i = 0; i < want.numel(); ++i) scale = std::max(scale, std::fabs(want.get(i)));
  const double diff = max_abs_diff(got, want), tol = rel_tol * scale;
  CHECK(diff <= tol);
  for (int64_t r = 0; r < want.size(0); ++r) {
    const auto [want_top, margin] = top1(want, r);
    if (margin > tol) CHECK(top1(got, r).first == want_top);
  }
  return {diff, scale};
}

}  // namespace tessera::testing
