#include "nn/pooling.h"

#include "nn/check.h"

namespace tessera::nn {

namespace {
kernels::Pool2dParams square(int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  kernels::Pool2dParams q;
  q.kh = q.kw = k;
  q.sh = q.sw = s > 0 ? s : k;
  q.ph = q.pw = p;
  q.dh = q.dw = d;
  q.ceil_mode = ceil_mode;
  return q;
}
Shape pooled_shape(const Tensor& x, const kernels::Pool2dParams& p) {
  return {x.size(0), x.size(1), kernels::pool_output_size(x.size(2), p.kh, p.sh, p.ph, p.dh, p.ceil_mode),
          kernels::pool_output_size(x.size(3), p.kw, p.sw, p.pw, p.dw, p.ceil_mode)};
}
}  // namespace

MaxPool2d::MaxPool2d(int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) : params(square(k, s, p, d, ceil_mode)) {}

Tensor MaxPool2d::forward(const Tensor& x) {
  check_input(x, "MaxPool2d", 4, 0, -1, "[N, C, H, W]");
  const Tensor in = x.contiguous();
  Tensor y = Tensor::empty(pooled_shape(in, params));
  kernels::max_pool2d_f32(y.data<float>(), nullptr, in.data<float>(), in.size(0), in.size(1), in.size(2), in.size(3),
                          params);
  return y;
}

AvgPool2d::AvgPool2d(int64_t k, int64_t s, int64_t p, bool ceil_mode, bool count_include_pad)
    : params(square(k, s, p, 1, ceil_mode)) {
  params.count_include_pad = count_include_pad;
}

Tensor AvgPool2d::forward(const Tensor& x) {
  check_input(x, "AvgPool2d", 4, 0, -1, "[N, C, H, W]");
  const Tensor in = x.contiguous();
  Tensor y = Tensor::empty(pooled_shape(in, params));
  kernels::avg_pool2d_f32(y.data<float>(), in.data<float>(), in.size(0), in.size(1), in.size(2), in.size(3), params);
  return y;
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) {
  check_input(x, "AdaptiveAvgPool2d", 4, 0, -1, "[N, C, H, W]");
  const Tensor in = x.contiguous();
  Tensor y = Tensor::empty({in.size(0), in.size(1), out_h, out_w});
  kernels::adaptive_avg_pool2d_f32(y.data<float>(), in.data<float>(), in.size(0), in.size(1), in.size(2), in.size(3),
                                   out_h, out_w);
  return y;
}

}  // namespace tessera::nn
