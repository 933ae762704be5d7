#include "bench/kernels/bench_util.h"

#include <omp.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <chrono>

#include "kernels/fma_peak.h"

namespace tessera::bench {

Isa widest_fp32_isa() {
  return isa_supported(Isa::avx512) ? Isa::avx512 : isa_supported(Isa::avx2) ? Isa::avx2 : Isa::ref;
}

double measured_peak_gflops_per_core() {
  static const double peak = [] {
    const Isa isa = widest_fp32_isa();
    double best = 0;
    for (int rep = 0; rep < 5; ++rep) {
      const auto t0 = std::chrono::steady_clock::now();
      const int64_t flops = kernels::fma_peak_loop(isa, 1 << 22);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      best = std::max(best, flops / s * 1e-9);
    }
    return best;
  }();
  return peak;
}

std::vector<int> thread_counts() {
  std::vector<int> t{1, 2};
  for (int n = 4; n <= omp_get_num_procs(); n *= 2) t.push_back(n);
  return t;
}

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int c = 0; c < CPU_SETSIZE && cpus.size() < 16; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

PinToCpu::PinToCpu(int cpu) : saved_(sizeof(cpu_set_t)) {
  auto* saved = reinterpret_cast<cpu_set_t*>(saved_.data());
  pthread_getaffinity_np(pthread_self(), sizeof(cpu_set_t), saved);
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  pthread_setaffinity_np(pthread_self(), sizeof one, &one);
}

PinToCpu::~PinToCpu() {
  pthread_setaffinity_np(pthread_self(), sizeof(cpu_set_t), reinterpret_cast<cpu_set_t*>(saved_.data()));
}

void set_flops_counters(benchmark::State& state, double flops_per_iter, int threads) {
  state.counters["GFLOPS"] =
      benchmark::Counter(flops_per_iter * 1e-9 * state.iterations(), benchmark::Counter::kIsRate);
  // A rate counter divides by the elapsed time, so this reads as achieved / peak in percent.
  const double peak_flops = measured_peak_gflops_per_core() * 1e9 * threads;
  state.counters["pct_peak"] =
      benchmark::Counter(flops_per_iter * state.iterations() * 100.0 / peak_flops, benchmark::Counter::kIsRate);
}

namespace {

// The q-quantile of v by nearest rank (q in [0, 1]); v not empty.
double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5)];
}

}  // namespace

PairedImpl fma_peak_impl(double flops, int threads) {
  const Isa isa = widest_fp32_isa();
  const double per_round = static_cast<double>(kernels::fma_peak_loop(isa, 1));  // FLOPs of one round, one thread
  const int64_t rounds = std::max<int64_t>(1, static_cast<int64_t>(flops / (per_round * threads) + 0.5));
  return {"fma_peak", [isa, rounds, threads] {
            int64_t done = 0;
#pragma omp parallel for num_threads(threads) reduction(+ : done)
            for (int t = 0; t < threads; ++t) done += kernels::fma_peak_loop(isa, rounds);
            benchmark::DoNotOptimize(done);
          }};
}

void run_paired(benchmark::State& state, const std::vector<PairedImpl>& impls, double flops_per_call, int threads) {
  const size_t n = impls.size();
  std::vector<std::vector<double>> seconds(n);
  size_t first = 0;
  for (auto _ : state) {
    for (size_t j = 0; j < n; ++j) {
      const size_t i = (first + j) % n;
      const auto t0 = std::chrono::steady_clock::now();
      impls[i].run();
      seconds[i].push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    first = (first + 1) % n;
    state.SetIterationTime(seconds[0].back());
  }
  if (seconds[0].empty()) return;
  state.counters[impls[0].name + "_ms"] = quantile(seconds[0], 0.5) * 1e3;
  for (size_t i = 1; i < n; ++i) {
    std::vector<double> ratio(seconds[0].size());
    for (size_t k = 0; k < ratio.size(); ++k) ratio[k] = seconds[i][k] / seconds[0][k];
    state.counters[impls[i].name + "_ms"] = quantile(seconds[i], 0.5) * 1e3;
    state.counters[impls[i].name + "_x"] = quantile(ratio, 0.5);
    state.counters[impls[i].name + "_x_q1"] = quantile(ratio, 0.25);
    state.counters[impls[i].name + "_x_q3"] = quantile(ratio, 0.75);
  }
  set_flops_counters(state, flops_per_call, threads);
}

}  // namespace tessera::bench
