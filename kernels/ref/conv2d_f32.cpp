#include "kernels/ref/conv2d_f32.h"

#include <algorithm>

#include "kernels/parallel.h"

namespace tessera::kernels::ref {

void conv2d_f32(float* y, const float* x, const float* weight, const float* bias, FusedActivation act,
                const Conv2dShape& s) {
  const int64_t OH = s.OH(), OW = s.OW(), Cg = s.C / s.groups, OCg = s.OC / s.groups;
  // (image, output channel) pairs are independent: split them across threads.
  parallel_for(s.N * s.OC, 1, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t n = t / s.OC, oc = t % s.OC, g = oc / OCg;
      float* out = y + (n * s.OC + oc) * OH * OW;
      for (int64_t oh = 0; oh < OH; ++oh) {
        for (int64_t ow = 0; ow < OW; ++ow) {
          float acc = 0.f;
          for (int64_t c = 0; c < Cg; ++c) {
            const float* xc = x + (n * s.C + g * Cg + c) * s.H * s.W;
            const float* wc = weight + (oc * Cg + c) * s.KH * s.KW;
            for (int64_t kh = 0; kh < s.KH; ++kh) {
              const int64_t ih = oh * s.SH - s.PH + kh * s.DH;
              if (ih < 0 || ih >= s.H) continue;
              for (int64_t kw = 0; kw < s.KW; ++kw) {
                const int64_t iw = ow * s.SW - s.PW + kw * s.DW;
                if (iw < 0 || iw >= s.W) continue;
                acc += xc[ih * s.W + iw] * wc[kh * s.KW + kw];
              }
            }
          }
          if (bias) acc += bias[oc];
          if (act != FusedActivation::none) acc = std::max(acc, 0.f);
          if (act == FusedActivation::relu6) acc = std::min(acc, 6.f);
          out[oh * OW + ow] = acc;
        }
      }
    }
  });
}

}  // namespace tessera::kernels::ref
