#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/attention.h"
#include "tensor/error.h"

namespace tessera::kernels {

namespace ref {

// The specification: scores in double, one query row at a time.
void sdpa_f32(float* out, const float* q, const float* k, const float* v, const float* mask, bool causal,
              const AttentionShape& s) {
  TESSERA_CHECK(s.Lk > 0 && s.D > 0 && s.Dv > 0, "attention: invalid sizes");
  std::vector<double> p(static_cast<size_t>(s.Lk));
  for (int64_t bh = 0; bh < s.BH; ++bh) {
    for (int64_t i = 0; i < s.Lq; ++i) {
      const float* qi = q + (bh * s.Lq + i) * s.D;
      double mx = -INFINITY;
      for (int64_t j = 0; j < s.Lk; ++j) {
        const float* kj = k + (bh * s.Lk + j) * s.D;
        double dot = 0;
        for (int64_t d = 0; d < s.D; ++d) dot += double(qi[d]) * kj[d];
        double x = dot * s.scale + (mask ? mask[i * s.Lk + j] : 0.0);
        if (causal && j > i) x = -INFINITY;
        p[j] = x;
        mx = std::max(mx, x);
      }
      double sum = 0;
      for (int64_t j = 0; j < s.Lk; ++j) sum += (p[j] = std::exp(p[j] - mx));
      float* o = out + (bh * s.Lq + i) * s.Dv;
      for (int64_t d = 0; d < s.Dv; ++d) {
        double acc = 0;
        for (int64_t j = 0; j < s.Lk; ++j) acc += p[j] / sum * v[(bh * s.Lk + j) * s.Dv + d];
        o[d] = static_cast<float>(acc);
      }
    }
  }
}

}  // namespace ref

}  // namespace tessera::kernels
