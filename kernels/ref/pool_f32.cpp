// The spec of pooling: torch's CPU loops, one output at a time; sums in double.
#include <algorithm>
#include <cmath>

#include "kernels/pool.h"

namespace tessera::kernels {

void max_pool2d_plane_f32_ref(float* y, int64_t* indices, const float* x, int64_t H, int64_t W, int64_t OH,
                              int64_t OW, const Pool2dParams& p) {
  for (int64_t oh = 0; oh < OH; ++oh)
    for (int64_t ow = 0; ow < OW; ++ow) {
      int64_t h0 = oh * p.sh - p.ph, w0 = ow * p.sw - p.pw;
      const int64_t h1 = std::min(h0 + (p.kh - 1) * p.dh + 1, H), w1 = std::min(w0 + (p.kw - 1) * p.dw + 1, W);
      while (h0 < 0) h0 += p.dh;
      while (w0 < 0) w0 += p.dw;
      float best = -INFINITY;
      int64_t arg = h0 * W + w0;
      for (int64_t h = h0; h < h1; h += p.dh)
        for (int64_t w = w0; w < w1; w += p.dw) {
          const float v = x[h * W + w];
          if (v > best || std::isnan(v)) best = v, arg = h * W + w;
        }
      y[oh * OW + ow] = best;
      if (indices) indices[oh * OW + ow] = arg;
    }
}

void avg_pool2d_plane_f32_ref(float* y, const float* x, int64_t H, int64_t W, int64_t OH, int64_t OW,
                              const Pool2dParams& p) {
  for (int64_t oh = 0; oh < OH; ++oh)
    for (int64_t ow = 0; ow < OW; ++ow) {
      int64_t h0 = oh * p.sh - p.ph, w0 = ow * p.sw - p.pw;
      int64_t h1 = std::min(h0 + p.kh, H + p.ph), w1 = std::min(w0 + p.kw, W + p.pw);
      const int64_t pool_size = (h1 - h0) * (w1 - w0);  // padding included, beyond it not
      h0 = std::max<int64_t>(h0, 0), w0 = std::max<int64_t>(w0, 0);
      h1 = std::min(h1, H), w1 = std::min(w1, W);
      if (h0 >= h1 || w0 >= w1) {
        y[oh * OW + ow] = 0.f;
        continue;
      }
      double sum = 0;
      for (int64_t h = h0; h < h1; ++h)
        for (int64_t w = w0; w < w1; ++w) sum += x[h * W + w];
      const int64_t div = p.divisor_override ? p.divisor_override
                          : p.count_include_pad ? pool_size
                                                : (h1 - h0) * (w1 - w0);
      y[oh * OW + ow] = float(sum / double(div));
    }
}

void adaptive_avg_pool2d_plane_f32_ref(float* y, const float* x, int64_t H, int64_t W, int64_t OH, int64_t OW) {
  for (int64_t oh = 0; oh < OH; ++oh) {
    const int64_t h0 = adaptive_begin(oh, H, OH), h1 = adaptive_end(oh, H, OH);
    for (int64_t ow = 0; ow < OW; ++ow) {
      const int64_t w0 = adaptive_begin(ow, W, OW), w1 = adaptive_end(ow, W, OW);
      double sum = 0;
      for (int64_t h = h0; h < h1; ++h)
        for (int64_t w = w0; w < w1; ++w) sum += x[h * W + w];
      y[oh * OW + ow] = float(sum / double((h1 - h0) * (w1 - w0)));
    }
  }
}

}  // namespace tessera::kernels
