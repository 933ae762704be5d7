// gemv_f32/<impl>/<layer>: a classifier head at batch 1, y = W x + b with W [out, in]
// row-major, as nn::Linear runs it (W packed once at load, y^T = W x^T through the GEMM
// driver, whose narrow-B microkernel takes one column), beside oneDNN's dnnl_sgemm on
// the same product and OpenBLAS's cblas_sgemv. Memory-bound when W outgrows the caches:
// bytes_per_second counts the weights read. Weights cycle through copies (>= 64 MiB in
// all) so that every iteration reads them from memory, as a forward pass does.
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <omp.h>

#include <oneapi/dnnl/dnnl.h>
#include <string>
#include <vector>

#include "bench/kernels/bench_util.h"
#include "kernels/gemm.h"
#include "kernels/gemm_pack.h"
#include "kernels/parallel.h"
#include "tensor/rng.h"

using namespace tessera;

namespace {

enum class Impl { tessera, onednn, openblas };

struct Head {
  const char* name;
  int64_t in, out;
};

void gemv_bench(benchmark::State& state, Impl impl, Head h) {
  const int threads = static_cast<int>(state.range(0));
  set_num_threads(threads);
  omp_set_num_threads(threads);
  openblas_set_num_threads(threads);
  const int64_t w_floats = h.in * h.out;
  const int copies = static_cast<int>(std::clamp<int64_t>((int64_t(64) << 20) / (4 * w_floats), 1, 16));
  Generator g(1);
  std::vector<float> w(static_cast<size_t>(copies * w_floats)), x(static_cast<size_t>(h.in)), bias(h.out), y(h.out);
  g.fill_normal(w.data(), static_cast<int64_t>(w.size()));
  g.fill_normal(x.data(), h.in);
  g.fill_normal(bias.data(), h.out);
  std::vector<kernels::PackedA> packed;
  if (impl == Impl::tessera)
    for (int c = 0; c < copies; ++c)
      packed.push_back(kernels::pack_a(active_isa(), false, h.out, h.in, w.data() + c * w_floats, h.in));
  int i = 0;
  for (auto _ : state) {
    const float* wc = w.data() + (i % copies) * w_floats;
    switch (impl) {
      case Impl::tessera: {
        const kernels::MatrixB xt{x.data(), h.in, true};
        kernels::GemmEpilogue ep;
        ep.bias = bias.data();
        ep.bias_per_row = true;
        kernels::gemm_f32_packed(packed[i % copies], kernels::BSource{kernels::pack_b_matrix, &xt}, 1, y.data(), 1, ep);
        break;
      }
      case Impl::onednn:
        y = bias;
        dnnl_sgemm('N', 'T', h.out, 1, h.in, 1.f, wc, h.in, x.data(), h.in, 1.f, y.data(), 1);
        break;
      case Impl::openblas:
        y = bias;
        cblas_sgemv(CblasRowMajor, CblasNoTrans, h.out, h.in, 1.f, wc, h.in, x.data(), 1, 1.f, y.data(), 1);
        break;
    }
    ++i;
    benchmark::DoNotOptimize(y.data());
  }
  bench::set_flops_counters(state, 2.0 * w_floats, threads);
  state.SetBytesProcessed(state.iterations() * w_floats * 4);
}

const int registered = [] {
  const Head heads[] = {{"resnet50_fc_2048x1000", 2048, 1000},
                        {"vit_b16_head_768x1000", 768, 1000},
                        {"vgg16_fc1_25088x4096", 25088, 4096},
                        {"vgg16_fc2_4096x4096", 4096, 4096}};
  const std::pair<const char*, Impl> impls[] = {
      {"tessera", Impl::tessera}, {"onednn", Impl::onednn}, {"openblas", Impl::openblas}};
  for (const auto& [name, impl] : impls)
    for (const Head& h : heads) {
      auto* b = benchmark::RegisterBenchmark((std::string("gemv_f32/") + name + "/" + h.name).c_str(), gemv_bench,
                                             impl, h);
      b->ArgName("threads")->UseRealTime()->Unit(benchmark::kMicrosecond);
      for (int t : bench::thread_counts()) b->Arg(t);
    }
  return 0;
}();

}  // namespace
