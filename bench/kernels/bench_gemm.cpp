// gemm_f32/<impl>/<size>: square SGEMM, C = A * B, row-major, for Tessera's ISA paths
// and the peers in the same run: oneDNN's dnnl_sgemm, OpenBLAS's cblas_sgemm (OpenMP
// build) and Eigen's GEMM (compiled for AVX-512). Counters: GFLOPS and pct_peak (vs the measured FMA peak).
// paired/gemm_f32/<size>: Tessera and the peers alternating call by call, with their ratios.
// Operands cycle through several copies so that small sizes are not served from a warm cache.
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

namespace tessera::bench {
void eigen_sgemm(const float* a, const float* b, float* c, int64_t n);  // peer_eigen_gemm__avx512.cpp
void eigen_set_threads(int n);
}

namespace {

enum class Impl { tessera, tessera_packed_a, onednn, openblas, eigen };

struct Operands {
  int64_t n;
  int copies;
  bench::AlignedFloats a, b, c;
  explicit Operands(int64_t n_) : n(n_) {
    // at least ~32 MiB of A+B in total, so each iteration starts from memory, not cache
    copies = static_cast<int>(std::max<int64_t>(1, (32 << 20) / (8 * n * n)));
    copies = std::min(copies, 16);
    Generator g(1);
    a.resize(copies * n * n);
    b.resize(copies * n * n);
    c.resize(n * n);
    g.fill_normal(a.data(), a.size());
    g.fill_normal(b.data(), b.size());
  }
};

void run_gemm(Impl impl, const float* a, const float* b, float* c, int64_t n) {
  switch (impl) {
    case Impl::tessera: kernels::gemm_f32(false, false, n, n, n, a, n, b, n, c, n); break;
    case Impl::tessera_packed_a: break;  // run by gemm_bench: A is packed once, outside the loop
    case Impl::onednn: dnnl_sgemm('N', 'N', n, n, n, 1.f, a, n, b, n, 0.f, c, n); break;
    case Impl::openblas:
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.f, a, n, b, n, 0.f, c, n);
      break;
    case Impl::eigen: bench::eigen_sgemm(a, b, c, n); break;
  }
}

// Tessera, OpenMP (oneDNN), OpenBLAS and Eigen each on `threads` threads.
void set_threads_everywhere(int threads) {
  set_num_threads(threads);
  omp_set_num_threads(threads);
  openblas_set_num_threads(threads);
  bench::eigen_set_threads(threads);
}

void gemm_bench(benchmark::State& state, Impl impl, Isa isa) {
  const int64_t n = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  set_threads_everywhere(threads);
  const Isa saved = active_isa();
  if (impl == Impl::tessera || impl == Impl::tessera_packed_a) set_active_isa(isa);
  Operands op(n);
  int i = 0;
  if (impl == Impl::tessera_packed_a) {
    // Weights-style use: A packed once (as conv/linear weights are at load time), B packed per call.
    std::vector<kernels::PackedA> packed;
    for (int c = 0; c < op.copies; ++c) packed.push_back(kernels::pack_a(isa, false, n, n, op.a.data() + c * n * n, n));
    for (auto _ : state) {
      const kernels::MatrixB mb{op.b.data() + (i % op.copies) * n * n, n, false};
      kernels::gemm_f32_packed(packed[i % op.copies], kernels::BSource{kernels::pack_b_matrix, &mb}, n, op.c.data(), n,
                               {});
      ++i;
      benchmark::DoNotOptimize(op.c.data());
    }
    set_active_isa(saved);
    bench::set_flops_counters(state, 2.0 * n * n * n, threads);
    return;
  }
  for (auto _ : state) {
    run_gemm(impl, op.a.data() + (i % op.copies) * n * n, op.b.data() + (i % op.copies) * n * n, op.c.data(), n);
    ++i;
    benchmark::DoNotOptimize(op.c.data());
  }
  set_active_isa(saved);
  bench::set_flops_counters(state, 2.0 * n * n * n, threads);
}

// paired/gemm_f32/n:N/threads:T: Tessera on this CPU's widest path and each peer, one call
// each per iteration in a rotating order (bench_util.h run_paired), every call on the next
// copy of the operands.
void gemm_paired_bench(benchmark::State& state) {
  const int64_t n = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  set_threads_everywhere(threads);
  const Isa saved = active_isa();
  set_active_isa(bench::widest_fp32_isa());
  Operands op(n);
  int i = 0;
  std::vector<bench::PairedImpl> impls;
  auto add = [&](const char* name, Impl impl) {
    impls.push_back({name, [&op, &i, impl, n] {
                       const int64_t c = i++ % op.copies;
                       run_gemm(impl, op.a.data() + c * n * n, op.b.data() + c * n * n, op.c.data(), n);
                       benchmark::DoNotOptimize(op.c.data());
                     }});
  };
  add("tessera", Impl::tessera);
  add("onednn", Impl::onednn);
  add("openblas", Impl::openblas);
  if (isa_supported(Isa::avx512)) add("eigen", Impl::eigen);
  impls.push_back(bench::fma_peak_impl(2.0 * n * n * n, threads));
  bench::run_paired(state, impls, 2.0 * n * n * n, threads);
  set_active_isa(saved);
}

const int registered = [] {
  std::vector<std::pair<std::string, std::pair<Impl, Isa>>> impls;
  for (Isa isa : supported_isas())
    if (isa == Isa::avx2 || isa == Isa::avx512) impls.push_back({std::string("tessera_") + isa_name(isa), {Impl::tessera, isa}});
  if (isa_supported(Isa::avx512)) impls.push_back({"tessera_avx512_packed_a", {Impl::tessera_packed_a, Isa::avx512}});
  impls.push_back({"onednn", {Impl::onednn, Isa::ref}});
  impls.push_back({"openblas", {Impl::openblas, Isa::ref}});
  if (isa_supported(Isa::avx512)) impls.push_back({"eigen", {Impl::eigen, Isa::ref}});
  for (auto& [name, which] : impls) {
    auto* b = benchmark::RegisterBenchmark(("gemm_f32/" + name).c_str(), gemm_bench, which.first, which.second);
    b->ArgNames({"n", "threads"})->UseRealTime()->Unit(benchmark::kMillisecond);
    for (int64_t n : {64, 128, 256, 512, 1024, 2048})
      for (int t : bench::thread_counts()) b->Args({n, t});
  }
  // The sizes of the targets (bench/README.md), with enough iterations for quartiles.
  for (const auto& [n, iterations] : {std::pair<int64_t, int64_t>{1024, 41}, {2048, 15}}) {
    auto* b = benchmark::RegisterBenchmark("paired/gemm_f32", gemm_paired_bench);
    b->ArgNames({"n", "threads"})->UseManualTime()->Iterations(iterations)->Unit(benchmark::kMillisecond);
    for (int t : bench::thread_counts()) b->Args({n, t});
  }
  return 0;
}();

}  // namespace
