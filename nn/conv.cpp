#include "nn/conv.h"

#include "kernels/batchnorm.h"
#include "nn/check.h"
#include "nn/flops.h"
#include "nn/init.h"

namespace tessera::nn {

Conv2d::Conv2d(int64_t in, int64_t out, int64_t k, Conv2dOptions o)
    : in_channels(in),
      out_channels(out),
      kernel_size(k),
      options(o),
      weight(register_parameter("weight", Tensor::empty({out, in / std::max<int64_t>(o.groups, 1), k, k}))) {
  TESSERA_CHECK(o.groups > 0 && in % o.groups == 0 && out % o.groups == 0, "Conv2d: groups=", o.groups,
                " must divide in_channels=", in, " and out_channels=", out);
  const int64_t fan_in = in / o.groups * k * k;
  init_uniform_fan_in(weight, fan_in);
  if (o.bias) {
    bias = &register_parameter("bias", Tensor::empty({out}));
    init_uniform_fan_in(*bias, fan_in);
  }
}

kernels::Conv2dShape Conv2d::shape_for(const Tensor& x) const {
  check_input(x, "Conv2d", 4, 1, in_channels, "[N, C, H, W]");
  kernels::Conv2dShape s;
  s.N = x.size(0), s.C = in_channels, s.H = x.size(2), s.W = x.size(3);
  s.OC = out_channels, s.KH = s.KW = kernel_size;
  s.SH = s.SW = options.stride, s.PH = s.PW = options.padding, s.DH = s.DW = options.dilation;
  s.groups = options.groups;
  s.validate();
  return s;
}

const Conv2d::Prepared& Conv2d::prepare(const BatchNorm2d* bn) {
  const uint64_t gen = Module::weights_generation();
  if (prepared_.generation == gen && prepared_.bn == bn && prepared_.packed.isa == active_isa()) return prepared_;
  kernels::Conv2dShape s;
  s.C = in_channels, s.OC = out_channels, s.KH = s.KW = kernel_size, s.groups = options.groups;
  const int64_t per_oc = weight.numel() / out_channels;
  // Folding BN needs a copy of the weights until they are packed: one buffer per thread,
  // kept, since a fresh one per conv costs its page faults (~13 us a 4 KiB page on the VM
  // this was tuned on; ResNet-50's first forward spent ~0.15 s on them). Without BN the
  // weights are packed as they are.
  thread_local std::vector<float> folded;
  const float* w = weight.data<float>();
  prepared_.bias.clear();
  if (bias) prepared_.bias.assign(bias->data<float>(), bias->data<float>() + out_channels);
  if (bn) {
    TESSERA_CHECK(bn->num_features == out_channels, "Conv2d: cannot fold BatchNorm2d(", bn->num_features,
                  ") into a conv with ", out_channels, " output channels");
    prepared_.bias.resize(static_cast<size_t>(out_channels), 0.f);
    if (folded.size() < static_cast<size_t>(weight.numel())) folded.resize(static_cast<size_t>(weight.numel()));
    kernels::batchnorm_fold_into_conv_f32(folded.data(), prepared_.bias.data(), w, prepared_.bias.data(),
                                          bn->weight.data<float>(), bn->bias.data<float>(),
                                          bn->running_mean.data<float>(), bn->running_var.data<float>(), bn->eps,
                                          out_channels, per_oc);
    w = folded.data();
  }
  prepared_.packed = kernels::pack_conv2d(w, s);
  prepared_.bn = bn;
  prepared_.generation = gen;
  return prepared_;
}

Tensor Conv2d::forward_fused(const Tensor& x, const BatchNorm2d* bn, kernels::FusedActivation act) {
  const kernels::Conv2dShape s = shape_for(x);
  const Prepared& p = prepare(bn);
  const Tensor in = x.contiguous();
  Tensor y = Tensor::empty({s.N, s.OC, s.OH(), s.OW()});
  kernels::conv2d_f32(y.data<float>(), in.data<float>(), p.packed, p.bias.empty() ? nullptr : p.bias.data(), act, s);
  add_flops(2.0 * s.N * s.OC * s.OH() * s.OW() * (s.C / s.groups) * s.KH * s.KW);
  return y;
}

Tensor Conv2d::forward(const Tensor& x) { return forward_fused(x, nullptr, kernels::FusedActivation::none); }

}  // namespace tessera::nn
