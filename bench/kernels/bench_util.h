// Shared counters of the kernel benchmarks: GFLOPS and % of the measured FMA peak.
#pragma once
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <new>
#include <string>
#include <vector>

#include "kernels/cpu.h"

namespace tessera::bench {

// The widest fp32 path this CPU has (avx512vnni computes fp32 as avx512 does).
Isa widest_fp32_isa();

// fp32 FMA peak of one core in GFLOP/s, measured once per process with kernels/fma_peak
// on widest_fp32_isa().
double measured_peak_gflops_per_core();

// The thread counts the multithreaded benchmarks run at: 1, 2, then powers of two up to
// the cores OpenMP sees (so a bigger machine shows the scaling curve).
std::vector<int> thread_counts();

// The CPUs this process may run on (at most 16), for benchmarks pinned to one CPU at a
// time ("cpu:N"): on a VM two vCPUs can run the same code at different speeds.
std::vector<int> allowed_cpus();

// Pins the calling thread to one CPU while alive, then restores its former CPU set.
class PinToCpu {
 public:
  explicit PinToCpu(int cpu);
  ~PinToCpu();
  PinToCpu(const PinToCpu&) = delete;
  PinToCpu& operator=(const PinToCpu&) = delete;

 private:
  std::vector<unsigned char> saved_;  // a cpu_set_t
};

// Sets GFLOPS (rate) and pct_peak (vs threads x the one-core peak) from the FLOPs of one iteration.
void set_flops_counters(benchmark::State& state, double flops_per_iter, int threads);

// One implementation of a paired benchmark: its name (onednn) and one call of it.
struct PairedImpl {
  std::string name;
  std::function<void()> run;
};

// A paired benchmark, "paired/<op>/<case>": Tessera (impls[0]) and each peer run once per
// iteration, in an order that rotates, so that a spell of noise (another tenant, a clock
// change) falls on all of them alike. Separate benchmarks run seconds apart, and on a
// shared VM their ratio moved by 20-40 % between runs. The reported time is Tessera's
// (manual time); counters: tessera_ms and <peer>_ms, the median call; <peer>_x, the median
// over iterations of the peer's time over Tessera's in the same iteration (above 1:
// Tessera faster), with <peer>_x_q1 and <peer>_x_q3 its quartiles; GFLOPS and pct_peak
// as set_flops_counters gives them for Tessera.
void run_paired(benchmark::State& state, const std::vector<PairedImpl>& impls, double flops_per_call, int threads);

// A pseudo-peer for run_paired, "fma_peak": the FMA-throughput loop of widest_fp32_isa() on
// `threads` threads for about `flops` FLOPs in all. Its <x> is Tessera's fraction of the
// peak, measured next to each call rather than at another moment of a noisy run.
PairedImpl fma_peak_impl(double flops, int threads);

// Operand buffers start on a 64-byte line, as Tessera's and PyTorch's tensors do. A plain
// std::vector of a few MiB starts 16 bytes past a page, so every row of a power-of-two
// matrix straddles lines: at 2048^3 that cost oneDNN ~2.5 % and Tessera ~1 % (Zen 5).
template <class T>
struct LineAligned {
  using value_type = T;
  LineAligned() = default;
  template <class U>
  LineAligned(const LineAligned<U>&) {}
  T* allocate(size_t n) {
    void* p = std::aligned_alloc(64, (n * sizeof(T) + 63) / 64 * 64);
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t) { std::free(p); }
  template <class U>
  bool operator==(const LineAligned<U>&) const { return true; }
};
using AlignedFloats = std::vector<float, LineAligned<float>>;

}  // namespace tessera::bench
