#include "kernels/activation.h"

#include "kernels/kernel_table.h"
#include "kernels/parallel.h"

namespace tessera::kernels {

using ActivationFn = void (*)(Activation, float*, const float*, int64_t);

static const KernelTable<ActivationFn>& activation_table() {
  static const KernelTable<ActivationFn> table = [] {
    KernelTable<ActivationFn> t;
    t.impl[int(Isa::ref)] = activation_f32_ref;
    t.impl[int(Isa::avx2)] = activation_f32__avx2;
    t.impl[int(Isa::avx512)] = activation_f32__avx512;
    return t;
  }();
  return table;
}

const char* activation_name(Activation act) {
  switch (act) {
    case Activation::relu: return "relu";
    case Activation::relu6: return "relu6";
    case Activation::gelu: return "gelu";
    case Activation::gelu_tanh: return "gelu_tanh";
    case Activation::silu: return "silu";
    case Activation::hardswish: return "hardswish";
    case Activation::hardsigmoid: return "hardsigmoid";
    case Activation::sigmoid: return "sigmoid";
  }
  return "?";
}

void activation_f32(Activation act, float* y, const float* x, int64_t n) {
  const ActivationFn fn = activation_table().get();
  // 16K floats per thread at least: below that a thread costs more than it saves.
  parallel_for(n, 16384, [&](int64_t b, int64_t e) { fn(act, y + b, x + b, e - b); });
}

}  // namespace tessera::kernels
