#include "nn/linear.h"

#include "kernels/gemm_pack.h"
#include "nn/flops.h"
#include "nn/init.h"

namespace tessera::nn {

namespace {
constexpr int64_t kMinRowsDirect = 32;  // from here on y = x W^T with W^T as B (see forward)
}

Linear::Linear(int64_t in, int64_t out, bool with_bias)
    : in_features(in), out_features(out), weight(register_parameter("weight", Tensor::empty({out, in}))) {
  init_uniform_fan_in(weight, in);
  if (with_bias) {
    bias = &register_parameter("bias", Tensor::empty({out}));
    init_uniform_fan_in(*bias, in);
  }
}

Tensor Linear::forward(const Tensor& x) {
  TESSERA_CHECK(x.defined() && x.dtype() == DType::f32 && x.dim() >= 1 && x.size(-1) == in_features,
                "Linear: expected input [..., ", in_features, "], got ", shape_str(x.shape()));
  const Tensor in = x.contiguous();
  const int64_t rows = in.numel() / in_features;
  const bool many_rows = rows >= kMinRowsDirect;
  // One packed copy at a time (a VGG-16 head's is 411 MB): a batch size that crosses
  // kMinRowsDirect repacks once.
  const bool stale = generation_ != Module::weights_generation() ||
                     (many_rows ? packed_t_.isa != active_isa() || !packed_t_.buf
                                : packed_.isa != active_isa() || !packed_.buf);
  if (stale) {
    packed_ = {};
    packed_t_ = {};
    if (many_rows)
      packed_t_ = kernels::pack_b(active_isa(), true, in_features, out_features, weight.data<float>(), in_features);
    else
      packed_ = kernels::pack_a(active_isa(), false, out_features, in_features, weight.data<float>(), in_features);
    generation_ = Module::weights_generation();
  }
  Tensor y = Tensor::empty({rows, out_features});
  kernels::GemmEpilogue ep;
  ep.bias = bias ? bias->data<float>() : nullptr;
  if (many_rows) {
    // Many rows (tokens, pixels): y = x W^T straight into place, W^T packed once. Packed
    // per call, its transposition took 8 % of ViT-B's projections at 197 tokens and 20 % at
    // 49 (one thread).
    kernels::gemm_f32_packed_b(false, rows, in.data<float>(), in_features, packed_t_, y.data<float>(), out_features,
                               ep);
  } else {
    // Few rows (a classifier head): y^T [out, rows] = W . x^T with W pre-packed once.
    Tensor yt = Tensor::empty({out_features, rows});
    const kernels::MatrixB xt{in.data<float>(), in_features, true};
    ep.bias_per_row = true;
    kernels::BSource b;
    b.pack = kernels::pack_b_matrix;
    b.ctx = &xt;
    kernels::gemm_f32_packed(packed_, b, rows, yt.data<float>(), rows, ep);
    y.copy_(yt.transpose(0, 1));
  }
  add_flops(2.0 * rows * in_features * out_features);
  Shape out_shape = x.shape();
  out_shape.back() = out_features;
  return y.view(out_shape);
}

}  // namespace tessera::nn
