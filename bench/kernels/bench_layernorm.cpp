// LayerNorm at ViT-B's 197x768 and ConvNeXt-T's LayerNorm2d at 1x96x56x56 (8 bytes per element).
#include <memory>

#include "bench/kernels/bench_ops_util.h"
#include "kernels/layernorm.h"

using namespace tessera;
using namespace tessera::kernels;

static const int registered = [] {
  bench::register_op("layernorm_f32", "197x768", 8.0 * 197 * 768, {Isa::ref, Isa::avx2, Isa::avx512}, [] {
    auto x = std::make_shared<std::vector<float>>(bench::bench_randn(197 * 768));
    auto y = std::make_shared<std::vector<float>>(197 * 768);
    auto g = std::make_shared<std::vector<float>>(bench::bench_randn(768, 2));
    return [=] { layernorm_f32(y->data(), nullptr, nullptr, x->data(), g->data(), g->data(), 197, 768, 1e-6f); };
  });
  const int64_t C = 96, HW = 56 * 56;
  bench::register_op("layernorm2d_f32", "1x96x56x56", 8.0 * C * HW, {Isa::ref, Isa::avx2, Isa::avx512}, [=] {
    auto x = std::make_shared<std::vector<float>>(bench::bench_randn(C * HW));
    auto y = std::make_shared<std::vector<float>>(C * HW);
    auto g = std::make_shared<std::vector<float>>(bench::bench_randn(C, 2));
    return [=] { layernorm2d_f32(y->data(), nullptr, nullptr, x->data(), g->data(), g->data(), 1, C, HW, 1e-6f); };
  });
  return 0;
}();
