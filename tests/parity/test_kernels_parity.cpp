// conv2d, linear (GEMM with bias), bmm and attention vs PyTorch on the same inputs.
//
// Tolerance: |y - y_torch| <= 3e-6 * (1 + max|y_torch|) (measured: <= 5e-7). Both sides accumulate
// float dot products of length <= 1176 in different orders; with weights scaled as
// PyTorch initialises them (|y| ~ 1) the expected difference is ~1e-6.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "kernels/attention.h"
#include "kernels/conv2d.h"
#include "kernels/gemm.h"
#include "kernels/matmul.h"
#include "tensor/npy.h"
#include "tests/parity/parity.h"

using namespace tessera;
using namespace tessera::kernels;

namespace {

double rel_err(const Tensor& got, const Tensor& want) {
  double mx = 0;
  for (int64_t i = 0; i < want.numel(); ++i) mx = std::max(mx, std::fabs(want.get(i)));
  return max_abs_diff(got, want) / (1.0 + mx);
}

}  // namespace

TEST_CASE("kernels match PyTorch: conv2d, linear, bmm, attention, on every ISA path") {
  const std::string dir = testing::parity_dir() + "/kernels";
  const Isa saved = active_isa();
  for (Isa isa : supported_isas()) {
    set_active_isa(isa);
    std::ifstream list(dir + "/cases.txt");
    REQUIRE(list);
    int cases = 0;
    double worst = 0;
    for (std::string line; std::getline(list, line);) {
      std::istringstream in(line);
      std::string kind, name;
      in >> kind >> name;
      auto load = [&](const char* t) { return read_npy(dir + "/" + name + "." + t + ".npy"); };
      const Tensor want = load("y");
      Tensor got = Tensor::empty(want.shape());
      if (kind == "conv") {
        Conv2dShape s;
        std::string act;
        in >> s.N >> s.C >> s.H >> s.W >> s.OC >> s.KH >> s.KW >> s.SH >> s.PH >> s.DH >> s.groups >> act;
        s.SW = s.SH, s.PW = s.PH, s.DW = s.DH;
        const Tensor x = load("x"), w = load("w"), b = load("b");
        const FusedActivation a = act == "relu" ? FusedActivation::relu
                                  : act == "relu6" ? FusedActivation::relu6 : FusedActivation::none;
        conv2d_f32(got.data<float>(), x.data<float>(), pack_conv2d(w.data<float>(), s), b.data<float>(), a, s);
      } else if (kind == "linear") {
        int64_t batch, fin, fout;
        in >> batch >> fin >> fout;
        const Tensor x = load("x"), w = load("w"), b = load("b");
        GemmEpilogue ep;
        ep.bias = b.data<float>();
        gemm_f32(false, true, batch, fout, fin, x.data<float>(), fin, w.data<float>(), fin, got.data<float>(), fout, ep);
      } else if (kind == "bmm") {
        int64_t batch, M, K, N;
        in >> batch >> M >> K >> N;
        bmm_f32(batch, false, false, M, N, K, load("a").data<float>(), K, M * K, load("b").data<float>(), N, K * N,
                got.data<float>(), N, M * N);
      } else if (kind == "attn") {
        int64_t bh, lq, lk, d;
        int mask;
        in >> bh >> lq >> lk >> d >> mask;
        const AttentionShape s{bh, lq, lk, d, d, 1.f / std::sqrt(float(d))};
        const Tensor m = load("mask");
        sdpa_f32(got.data<float>(), load("q").data<float>(), load("k").data<float>(), load("v").data<float>(),
                 mask == 1 ? m.data<float>() : nullptr, mask == 2, s);
      } else {
        FAIL("unknown case kind " << kind);
      }
      const double e = rel_err(got, want);
      CAPTURE(name);
      CAPTURE(std::string(isa_name(isa)));
      CHECK(e <= 3e-6);
      worst = std::max(worst, e);
      ++cases;
    }
    CHECK(cases == 15);
    MESSAGE("kernels vs PyTorch on ", std::string(isa_name(isa)), ": ", cases, " cases, worst |diff|/(1+max|y|) = ", worst);
  }
  set_active_isa(saved);
}
