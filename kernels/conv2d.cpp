#include "kernels/conv2d.h"

#include <algorithm>
#include <cstring>

#include "kernels/gemm_pack.h"
#include "kernels/parallel.h"
#include "kernels/ref/conv2d_f32.h"
#include "tensor/error.h"

namespace tessera::kernels {

void Conv2dShape::validate() const {
  TESSERA_CHECK(N >= 0 && C > 0 && H > 0 && W > 0, "conv2d: invalid input size [", N, ", ", C, ", ", H, ", ", W, "]");
  TESSERA_CHECK(OC > 0 && KH > 0 && KW > 0, "conv2d: invalid weight size [", OC, ", ", C / std::max<int64_t>(groups, 1),
                ", ", KH, ", ", KW, "]");
  TESSERA_CHECK(SH > 0 && SW > 0 && DH > 0 && DW > 0 && PH >= 0 && PW >= 0, "conv2d: stride and dilation must be ",
                "positive and padding non-negative");
  TESSERA_CHECK(groups > 0 && C % groups == 0 && OC % groups == 0, "conv2d: groups=", groups,
                " must divide in_channels=", C, " and out_channels=", OC);
  TESSERA_CHECK(OH() > 0 && OW() > 0, "conv2d: input ", H, "x", W, " is smaller than the kernel ", KH, "x", KW,
                " (dilation ", DH, "x", DW, ", padding ", PH, "x", PW, ")");
}

namespace {

// The implicit im2col B operand of one image and group: B[k, n] with
// k = (c, kh, kw) and n = (oh, ow), gathered straight from the image.
struct Im2col {
  const float* x;  // first channel of the group in this image
  Conv2dShape s;
};

// Row k of the B block, for one NR panel: runs of output pixels that share an output
// row map to one input row, so each run is a copy (stride 1) or a strided gather,
// with zeros where the window hangs over the padding. No per-element division.
void pack_b_im2col(const void* ctx, float* dst, int64_t k0, int64_t kc, int64_t n0, int64_t nc, int64_t nr) {
  const Im2col& im = *static_cast<const Im2col*>(ctx);
  const Conv2dShape& s = im.s;
  const int64_t OW = s.OW(), KK = s.KH * s.KW;
  const int64_t panels = (nc + nr - 1) / nr;
  for (int64_t k = 0; k < kc; ++k) {
    const int64_t kk = k0 + k, c = kk / KK, kh = (kk % KK) / s.KW, kw = kk % s.KW;
    const float* xc = im.x + c * s.H * s.W;
    // output columns ow whose input column iw = ow*SW - PW + kw*DW lies inside [0, W)
    const int64_t off = kw * s.DW - s.PW;
    const int64_t ow_lo = off >= 0 ? 0 : (-off + s.SW - 1) / s.SW;
    const int64_t ow_hi = std::min(OW, (s.W - 1 - off) / s.SW + 1);  // exclusive
    for (int64_t p = 0; p < panels; ++p) {
      float* d = dst + p * kc * nr + k * nr;
      const int64_t n = n0 + p * nr, cnt = std::min(nr, nc - p * nr);
      int64_t oh = n / OW, ow = n % OW, j = 0;
      while (j < cnt) {
        const int64_t seg = std::min(cnt - j, OW - ow);
        const int64_t ih = oh * s.SH - s.PH + kh * s.DH;
        float* out = d + j;
        if (ih < 0 || ih >= s.H) {
          std::fill(out, out + seg, 0.f);
        } else {
          const float* row = xc + ih * s.W + off;
          const int64_t a = std::clamp(ow_lo, ow, ow + seg), b = std::clamp(ow_hi, a, ow + seg);
          std::fill(out, out + (a - ow), 0.f);
          if (s.SW == 1) {
            std::memcpy(out + (a - ow), row + a, sizeof(float) * static_cast<size_t>(b - a));
          } else {
            for (int64_t t = a; t < b; ++t) out[t - ow] = row[t * s.SW];
          }
          std::fill(out + (b - ow), out + seg, 0.f);
        }
        j += seg;
        ow = 0;
        ++oh;
      }
      std::fill(d + cnt, d + nr, 0.f);
    }
  }
}

void check_same_weights(const Conv2dShape& a, const Conv2dShape& b) {
  TESSERA_CHECK(a.C == b.C && a.OC == b.OC && a.KH == b.KH && a.KW == b.KW && a.groups == b.groups,
                "conv2d: weights were packed for in=", a.C, " out=", a.OC, " kernel=", a.KH, "x", a.KW,
                " groups=", a.groups, " but called with in=", b.C, " out=", b.OC, " kernel=", b.KH, "x", b.KW,
                " groups=", b.groups);
}

}  // namespace

PackedConv2d pack_conv2d(const float* weight, const Conv2dShape& s) {
  PackedConv2d p;
  p.shape = s;
  p.isa = active_isa();
  const int64_t OCg = s.OC / s.groups, Kg = s.C / s.groups * s.KH * s.KW;
  if (p.isa == Isa::ref || s.is_depthwise()) {
    p.weight.assign(weight, weight + s.OC * Kg);
    return p;
  }
  for (int64_t g = 0; g < s.groups; ++g) p.groups.push_back(pack_a(p.isa, false, OCg, Kg, weight + g * OCg * Kg, Kg));
  return p;
}

void conv2d_f32(float* y, const float* x, const PackedConv2d& w, const float* bias, FusedActivation act,
                const Conv2dShape& s) {
  s.validate();
  check_same_weights(w.shape, s);
  TESSERA_CHECK(w.isa == active_isa(), "conv2d: weights were packed for the ", isa_name(w.isa),
                " kernels but the active path is ", isa_name(active_isa()), "; pack them again");
  const int64_t OH = s.OH(), OW = s.OW();
  if (w.isa == Isa::ref) {
    ref::conv2d_f32(y, x, w.weight.data(), bias, act, s);
    return;
  }
  if (s.is_depthwise()) {
    const bool fast = w.isa == Isa::avx512 || w.isa == Isa::avx512vnni;
    // One channel plane per task; the padded-plane scratch is per thread.
    parallel_for(s.N * s.C, 1, [&](int64_t b, int64_t e) {
      std::vector<float> scratch;
      if (fast) scratch.resize(static_cast<size_t>((s.H + 2 * s.PH + 1) * (s.W + 2 * s.PW) + 64));
      for (int64_t t = b; t < e; ++t) {
        const int64_t c = t % s.C;
        DepthwiseArgs a{x + t * s.H * s.W, w.weight.data() + c * s.KH * s.KW, bias ? bias[c] : 0.f, act,
                        y + t * OH * OW};
        if (fast) dwconv2d_f32__avx512(a, s, scratch.data());
        else dwconv2d_f32_ref(a, s);
      }
    });
    return;
  }
  const int64_t Cg = s.C / s.groups, OCg = s.OC / s.groups;
  for (int64_t n = 0; n < s.N; ++n) {
    for (int64_t g = 0; g < s.groups; ++g) {
      const float* xg = x + (n * s.C + g * Cg) * s.H * s.W;
      float* yg = y + (n * s.OC + g * OCg) * OH * OW;
      GemmEpilogue ep{1.f, 0.f, bias ? bias + g * OCg : nullptr, true, act};
      if (s.is_pointwise()) {
        const MatrixB mb{xg, s.H * s.W, false};
        gemm_f32_packed(w.groups[g], BSource{pack_b_matrix, &mb}, OH * OW, yg, OH * OW, ep);
      } else {
        const Im2col im{xg, s};
        gemm_f32_packed(w.groups[g], BSource{pack_b_im2col, &im}, OH * OW, yg, OH * OW, ep);
      }
    }
  }
}

void dwconv2d_f32_ref(const DepthwiseArgs& a, const Conv2dShape& s) {
  Conv2dShape one = s;
  one.N = 1;
  one.C = one.OC = one.groups = 1;
  // groups == 1 with one channel is the same arithmetic as one depthwise channel
  ref::conv2d_f32(a.y, a.x, a.w, &a.bias, a.act, one);
}

}  // namespace tessera::kernels
