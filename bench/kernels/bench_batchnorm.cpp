// BN inference + ReLU at ResNet-50 layer1's 1x256x56x56 (8 bytes per element).
#include <memory>

#include "bench/kernels/bench_ops_util.h"
#include "kernels/batchnorm.h"

using namespace tessera;
using namespace tessera::kernels;

static const int registered = [] {
  const int64_t C = 256, HW = 56 * 56, n = C * HW;
  bench::register_op("batchnorm_relu_f32", "1x256x56x56", 8.0 * n, {Isa::ref, Isa::avx2, Isa::avx512}, [=] {
    auto x = std::make_shared<std::vector<float>>(bench::bench_randn(n));
    auto y = std::make_shared<std::vector<float>>(n);
    auto g = std::make_shared<std::vector<float>>(bench::bench_randn(C, 2));
    auto var = std::make_shared<std::vector<float>>(C, 1.5f);
    return [=] {
      batchnorm_inference_f32(y->data(), x->data(), g->data(), g->data(), g->data(), var->data(), 1e-5f, 1, C, HW,
                              true);
    };
  });
  return 0;
}();
