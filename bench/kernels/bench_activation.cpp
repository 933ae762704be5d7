// Activations on a MobileNet / ResNet-sized map, y = act(x) out of place: 8 bytes per element.
#include <memory>

#include "bench/kernels/bench_ops_util.h"
#include "kernels/activation.h"

using namespace tessera;
using namespace tessera::kernels;

static const int registered = [] {
  const int64_t n = 1 * 64 * 112 * 112;
  for (Activation act : {Activation::relu, Activation::relu6, Activation::gelu, Activation::gelu_tanh,
                         Activation::silu, Activation::hardswish, Activation::sigmoid}) {
    bench::register_op(std::string(activation_name(act)) + "_f32", "1x64x112x112", 8.0 * n, {Isa::ref, Isa::avx2, Isa::avx512}, [=] {
      auto x = std::make_shared<std::vector<float>>(bench::bench_randn(n));
      auto y = std::make_shared<std::vector<float>>(n);
      return [=] { activation_f32(act, y->data(), x->data(), n); };
    });
  }
  return 0;
}();
