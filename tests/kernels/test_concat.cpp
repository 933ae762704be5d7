// concat (memcpy blocks) vs the ref spec: exact, over random sizes including empty inputs.
#include <doctest/doctest.h>

#include <cstring>

#include "kernels/concat.h"
#include "tensor/error.h"
#include "tests/kernels/kernel_test_util.h"

using namespace tessera;
using namespace tessera::kernels;

TEST_CASE("concat matches ref exactly on random block layouts") {
  Generator gen(12);
  for (int trial = 0; trial < 200; ++trial) {
    const int n_inputs = 1 + int(gen.next_u64() % 5);
    const int64_t outer = 1 + int64_t(gen.next_u64() % 4), inner = 1 + int64_t(gen.next_u64() % 50);
    std::vector<int64_t> sizes(n_inputs);
    std::vector<std::vector<float>> data(n_inputs);
    std::vector<const float*> ptrs(n_inputs);
    int64_t total = 0;
    for (int i = 0; i < n_inputs; ++i) {
      sizes[i] = int64_t(gen.next_u64() % 8);  // 0: an empty input
      data[i] = tessera::testing::randn(gen, outer * sizes[i] * inner);
      ptrs[i] = data[i].data();
      total += sizes[i];
    }
    CAPTURE(trial);
    std::vector<float> want(outer * total * inner), got(want.size(), -1.f);
    concat_f32_ref(want.data(), ptrs.data(), sizes.data(), n_inputs, outer, inner);
    concat_f32(got.data(), ptrs.data(), sizes.data(), n_inputs, outer, inner);
    CHECK(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)) == 0);
  }
  // DenseNet-sized: 1x(64 + 32 * 6)x56x56 from seven inputs, several threads.
  std::vector<int64_t> sizes = {64, 32, 32, 32, 32, 32, 32};
  std::vector<std::vector<float>> data;
  std::vector<const float*> ptrs;
  for (int64_t s : sizes) data.push_back(tessera::testing::randn(gen, s * 56 * 56));
  for (auto& d : data) ptrs.push_back(d.data());
  std::vector<float> want(256 * 56 * 56), got(want.size());
  concat_f32_ref(want.data(), ptrs.data(), sizes.data(), 7, 1, 56 * 56);
  concat_f32(got.data(), ptrs.data(), sizes.data(), 7, 1, 56 * 56);
  CHECK(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)) == 0);
}

TEST_CASE("concat rejects no inputs and negative sizes") {
  float y[4];
  const float a[4] = {};
  const float* ptrs[1] = {a};
  const int64_t bad[1] = {-1};
  CHECK_THROWS_AS(concat_f32(y, ptrs, bad, 0, 1, 1), Error);
  CHECK_THROWS_WITH_AS(concat_f32(y, ptrs, bad, 1, 1, 1), doctest::Contains("negative size"), Error);
}
