// ResNet-50's residual add + ReLU at 1x256x56x56 (12 bytes per element: two reads, one
// write) and a per-channel broadcast add (8 bytes per element).
#include <memory>

#include "bench/kernels/bench_ops_util.h"
#include "kernels/elementwise.h"

using namespace tessera;
using namespace tessera::kernels;

static const int registered = [] {
  const int64_t C = 256, HW = 56 * 56, n = C * HW;
  bench::register_op("add_relu_f32", "1x256x56x56", 12.0 * n, {Isa::ref, Isa::avx2, Isa::avx512}, [=] {
    auto a = std::make_shared<std::vector<float>>(bench::bench_randn(n));
    auto b = std::make_shared<std::vector<float>>(bench::bench_randn(n, 2));
    auto y = std::make_shared<std::vector<float>>(n);
    return [=] { add_relu_f32(y->data(), a->data(), b->data(), n); };
  });
  bench::register_op("add_channel_f32", "1x256x56x56+256x1x1", 8.0 * n, {Isa::ref, Isa::avx2, Isa::avx512}, [=] {
    auto a = std::make_shared<std::vector<float>>(bench::bench_randn(n));
    auto b = std::make_shared<std::vector<float>>(bench::bench_randn(C, 2));
    auto y = std::make_shared<std::vector<float>>(n);
    return [=] {
      const int64_t ys[4] = {1, C, 56, 56}, bs[3] = {C, 1, 1};
      add_f32(y->data(), ys, 4, a->data(), ys, 4, b->data(), bs, 3);
    };
  });
  return 0;
}();
