// linear_f32/<impl>/<layer>: a transformer's Linear over its tokens at batch 1,
// y[tokens, out] = x[tokens, in] W[out, in]^T + b, the products that decide ViT-B/16's,
// Swin-T's and ConvNeXt-T's speed. Tessera runs it as nn::Linear does (W^T packed once at
// load, kernels::gemm_f32_packed_b, bias in the epilogue); the peers take W as it lies:
// oneDNN's dnnl_sgemm and OpenBLAS's cblas_sgemm (which PyTorch's Linear calls here), each
// with the bias copied into y first, as beta = 1 adds it. Weights cycle through copies
// (>= 32 MiB in all), so each iteration reads them from memory, as a forward pass does.
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <omp.h>

#include <oneapi/dnnl/dnnl.h>
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "bench/kernels/bench_util.h"
#include "kernels/gemm.h"
#include "kernels/parallel.h"
#include "tensor/rng.h"

using namespace tessera;

namespace {

enum class Impl { tessera, onednn, openblas };

struct Layer {
  const char* name;
  int64_t tokens, in, out;
};

void linear_bench(benchmark::State& state, Impl impl, Layer l) {
  const int threads = static_cast<int>(state.range(0));
  set_num_threads(threads);
  omp_set_num_threads(threads);
  openblas_set_num_threads(threads);
  const int64_t w_floats = l.in * l.out, y_floats = l.tokens * l.out;
  const int copies = static_cast<int>(std::clamp<int64_t>((int64_t(32) << 20) / (4 * w_floats), 1, 16));
  Generator g(1);
  bench::AlignedFloats w(static_cast<size_t>(copies * w_floats)), x(static_cast<size_t>(l.tokens * l.in)),
      bias(static_cast<size_t>(l.out)), y(static_cast<size_t>(y_floats));
  g.fill_normal(w.data(), static_cast<int64_t>(w.size()));
  g.fill_normal(x.data(), static_cast<int64_t>(x.size()));
  g.fill_normal(bias.data(), l.out);
  std::vector<kernels::PackedB> packed;
  if (impl == Impl::tessera)
    for (int c = 0; c < copies; ++c)
      packed.push_back(kernels::pack_b(active_isa(), true, l.in, l.out, w.data() + c * w_floats, l.in));
  auto bias_into_y = [&] {
    for (int64_t t = 0; t < l.tokens; ++t) std::copy(bias.begin(), bias.end(), y.begin() + t * l.out);
  };
  auto run = [&](int i) {
    const float* wc = w.data() + (i % copies) * w_floats;
    switch (impl) {
      case Impl::tessera: {
        kernels::GemmEpilogue ep;
        ep.bias = bias.data();
        kernels::gemm_f32_packed_b(false, l.tokens, x.data(), l.in, packed[i % copies], y.data(), l.out, ep);
        break;
      }
      case Impl::onednn:
        bias_into_y();
        dnnl_sgemm('N', 'T', l.tokens, l.out, l.in, 1.f, x.data(), l.in, wc, l.in, 1.f, y.data(), l.out);
        break;
      case Impl::openblas:
        bias_into_y();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, l.tokens, l.out, l.in, 1.f, x.data(), l.in, wc, l.in, 1.f,
                    y.data(), l.out);
        break;
    }
  };
  // Each implementation computes the same y: checked once against the scalar sum, on a
  // few rows (fp32 sums of up to 3072 products: within 1e-4 of their scale).
  run(0);
  for (int64_t t : {int64_t(0), l.tokens / 2, l.tokens - 1})
    for (int64_t o = 0; o < l.out; o += 7) {
      double want = bias[o], scale = std::abs(bias[o]);
      for (int64_t k = 0; k < l.in; ++k) {
        want += double(x[t * l.in + k]) * w[o * l.in + k];
        scale += std::abs(double(x[t * l.in + k]) * w[o * l.in + k]);
      }
      if (std::abs(y[t * l.out + o] - want) > 1e-4 * scale) {
        state.SkipWithError(("y[" + std::to_string(t) + ", " + std::to_string(o) + "] differs from the sum").c_str());
        return;
      }
    }
  int i = 0;
  for (auto _ : state) {
    run(i++);
    benchmark::DoNotOptimize(y.data());
  }
  bench::set_flops_counters(state, 2.0 * l.tokens * w_floats, threads);
}

const int registered = [] {
  const Layer layers[] = {{"vit_b16_qkv_197x768x2304", 197, 768, 2304},
                          {"vit_b16_proj_197x768x768", 197, 768, 768},
                          {"vit_b16_mlp1_197x768x3072", 197, 768, 3072},
                          {"vit_b16_mlp2_197x3072x768", 197, 3072, 768},
                          {"swin_t_s3_qkv_196x384x1152", 196, 384, 1152},
                          {"convnext_t_s1_mlp1_3136x96x384", 3136, 96, 384}};
  const std::pair<const char*, Impl> impls[] = {
      {"tessera", Impl::tessera}, {"onednn", Impl::onednn}, {"openblas", Impl::openblas}};
  for (const auto& [name, impl] : impls)
    for (const Layer& l : layers) {
      auto* b = benchmark::RegisterBenchmark((std::string("linear_f32/") + name + "/" + l.name).c_str(), linear_bench,
                                             impl, l);
      b->ArgName("threads")->UseRealTime()->Unit(benchmark::kMicrosecond);
      for (int t : bench::thread_counts()) b->Arg(t);
    }
  return 0;
}();

}  // namespace
