// Broadcasting add / mul / add_relu on every path vs the ref spec, and shape errors.
// Tolerance: exact (0). Each output is one IEEE add or multiply (and a max) of the same two
// floats on every path, so any difference is an indexing bug.
#include <doctest/doctest.h>

#include <cstring>

#include "kernels/elementwise.h"
#include "tensor/error.h"
#include "tests/kernels/kernel_test_util.h"

using namespace tessera;
using namespace tessera::kernels;
using tessera::testing::for_each_isa;
using tessera::testing::randn;

namespace {
using Shape = std::vector<int64_t>;
int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}
const BinaryOp kOps[] = {BinaryOp::add, BinaryOp::mul, BinaryOp::add_relu};

void check_case(Generator& gen, BinaryOp op, const Shape& as, const Shape& bs) {
  const Shape ys = broadcast_shape(as.data(), int(as.size()), bs.data(), int(bs.size()));
  const auto a = randn(gen, numel(as)), b = randn(gen, numel(bs));
  std::vector<float> want(numel(ys)), got(numel(ys), -7.f);
  binary_f32_ref(op, want.data(), ys.data(), int(ys.size()), a.data(), as.data(), int(as.size()), b.data(),
                 bs.data(), int(bs.size()));
  binary_f32(op, got.data(), ys.data(), int(ys.size()), a.data(), as.data(), int(as.size()), b.data(), bs.data(),
             int(bs.size()));
  CHECK(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)) == 0);
}
}  // namespace

TEST_CASE("binary ops: random broadcast pairs match ref exactly on every path") {
  Generator gen(8);
  const int64_t sizes[] = {1, 2, 3, 5, 7, 16, 17, 31, 33};
  for_each_isa([&](Isa) {
    for (int trial = 0; trial < 300; ++trial) {
      const int nd = int(gen.next_u64() % 6);  // 0..5 dims
      Shape ys(nd), as, bs;
      for (auto& d : ys) d = sizes[gen.next_u64() % 9];
      // Each input: drop some leading dims, set some others to 1.
      for (Shape* s : {&as, &bs}) {
        const int drop = nd ? int(gen.next_u64() % (nd + 1)) : 0;
        for (int d = drop; d < nd; ++d) s->push_back(gen.uniform() < 0.35f ? 1 : ys[d]);
      }
      CAPTURE(trial);
      for (BinaryOp op : kOps) check_case(gen, op, as, bs);
    }
  });
}

TEST_CASE("binary ops: the shapes models use (same shape, per-channel, bias row, outer product)") {
  Generator gen(9);
  const std::pair<Shape, Shape> cases[] = {
      {{2, 64, 7, 7}, {2, 64, 7, 7}},   {{2, 64, 7, 7}, {64, 1, 1}}, {{1, 96, 56, 57}, {1, 96, 1, 1}},
      {{197, 768}, {768}},              {{13, 1}, {1, 29}},          {{3, 1, 5}, {4, 1}},
      {{}, {}},                         {{}, {3, 17}},               {{5, 0, 3}, {3}},
      {{1, 1, 1}, {1}},                 {{4, 1, 17}, {4, 1, 17}}};
  for_each_isa([&](Isa) {
    for (const auto& [as, bs] : cases)
      for (BinaryOp op : kOps) {
        CAPTURE(int(op));
        check_case(gen, op, as, bs);
        check_case(gen, op, bs, as);
      }
    // In place (y = a), and the named helpers.
    const int64_t n = 1000 + 7;
    auto a = randn(gen, n), b = randn(gen, n);
    std::vector<float> want(n);
    binary_vv_f32_ref(BinaryOp::add_relu, want.data(), a.data(), b.data(), n);
    add_relu_f32(a.data(), a.data(), b.data(), n);
    CHECK(std::memcmp(a.data(), want.data(), n * sizeof(float)) == 0);
    const int64_t N = 2, C = 5, HW = 19;
    auto x = randn(gen, N * C * HW), g = randn(gen, C);
    std::vector<float> y(N * C * HW);
    layer_scale_f32(y.data(), x.data(), g.data(), N, C, HW);
    for (int64_t i = 0; i < N * C * HW; ++i) REQUIRE(y[i] == x[i] * g[(i / HW) % C]);
  });
}

TEST_CASE("binary ops reject shapes that do not broadcast and wrong output shapes") {
  const Shape a = {2, 3}, b = {4, 3}, c = {3}, y_bad = {2, 1}, y_rank = {1, 2, 3};
  float buf[64] = {};
  CHECK_THROWS_WITH_AS(broadcast_shape(a.data(), 2, b.data(), 2), doctest::Contains("[2, 3] and [4, 3]"), Error);
  CHECK_THROWS_AS(add_f32(buf, y_bad.data(), 2, buf, a.data(), 2, buf, c.data(), 1), Error);
  CHECK_THROWS_AS(add_f32(buf, y_rank.data(), 3, buf, a.data(), 2, buf, c.data(), 1), Error);
  const Shape big(9, 1);
  CHECK_THROWS_AS(mul_f32(buf, big.data(), 9, buf, big.data(), 9, buf, big.data(), 9), Error);
}
