#include "nn/batchnorm.h"

#include "kernels/batchnorm.h"
#include "nn/check.h"

namespace tessera::nn {

BatchNorm2d::BatchNorm2d(int64_t n, float eps_, float momentum_)
    : num_features(n),
      eps(eps_),
      momentum(momentum_),
      weight(register_parameter("weight", Tensor::ones({n}))),
      bias(register_parameter("bias", Tensor::zeros({n}))),
      running_mean(register_buffer("running_mean", Tensor::zeros({n}), FileDType::f32)),
      running_var(register_buffer("running_var", Tensor::ones({n}), FileDType::f32)),
      num_batches_tracked(register_buffer("num_batches_tracked", Tensor::zeros({}, DType::i32), FileDType::i64)) {}

Tensor BatchNorm2d::forward(const Tensor& x) {
  check_input(x, "BatchNorm2d", 4, 1, num_features, "[N, C, H, W]");
  const Tensor in = x.contiguous();
  Tensor y = Tensor::empty(in.shape());
  kernels::batchnorm_inference_f32(y.data<float>(), in.data<float>(), weight.data<float>(), bias.data<float>(),
                                   running_mean.data<float>(), running_var.data<float>(), eps, in.size(0),
                                   num_features, in.size(2) * in.size(3), false);
  return y;
}

void BatchNorm2d::folded(float* scale, float* shift) const {
  kernels::batchnorm_fold_f32(scale, shift, weight.data<float>(), bias.data<float>(), running_mean.data<float>(),
                              running_var.data<float>(), eps, num_features);
}

}  // namespace tessera::nn
