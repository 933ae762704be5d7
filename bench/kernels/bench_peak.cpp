// peak/fma_f32/<isa>: the measured fp32 FMA throughput of one core (and of all
// threads), the yardstick the other kernel benchmarks report "% of peak" against; and
// /cpu:N, one thread pinned to each CPU in turn, whose spread says how evenly the CPUs
// run (see "Per-CPU speed" in bench/README.md).
// peak/mem_read/streams:S: what one core reads from memory as S sequential streams side
// by side (bytes_per_second), the yardstick of the memory-bound kernels.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "bench/kernels/bench_util.h"
#include "kernels/fma_peak.h"
#include "tensor/aligned_alloc.h"

using namespace tessera;

namespace {

// The words each of S streams reads from a buffer of `words`: slices 67 lines apart
// beyond their length, so that the streams do not fall into the same cache sets step by
// step.
constexpr size_t kStreamGap = 67 * 16;
size_t stream_len(int streams, size_t words) { return (words - streams * kStreamGap) / streams / 16 * 16; }

// S streams over slices of the buffer, XOR-folded word by word: integer XOR reassociates
// freely, so the compiler keeps one vector accumulator per stream in a register (float
// sums held in arrays went through memory every step, and two streams read slower than one).
template <int S>
uint32_t read_streams(const uint32_t* buf, size_t words) {
  const size_t len = stream_len(S, words);
  uint32_t acc[S] = {};
  for (size_t i = 0; i < len; ++i)
#pragma GCC unroll 8
    for (int s = 0; s < S; ++s) acc[s] ^= buf[s * (len + kStreamGap) + i];
  uint32_t x = 0;
  for (int s = 0; s < S; ++s) x ^= acc[s];
  return x;
}

// One core reads 512 MiB (past the last-level cache of the CPUs this ran on; on huge pages,
// so that TLB misses do not count) as S streams. A core keeps only so many misses in flight
// per stream its prefetchers follow: a 2-vCPU Xeon read 10.9 GB/s as one stream and 13.5
// as four, which is why the batch-1 heads' kernel walks four weight panels at once
// (kernels/README.md, porting step 7).
void peak_read(benchmark::State& state) {
  const int streams = static_cast<int>(state.range(0));
  constexpr size_t kBytes = size_t(512) << 20, kWords = kBytes / sizeof(uint32_t);
  auto* buf = static_cast<uint32_t*>(allocate_aligned(kBytes));
  if (buf == nullptr) {
    state.SkipWithError("out of memory for the 512 MiB buffer");
    return;
  }
  std::memset(buf, 0, kBytes);
  uint32_t sink = 0;
  for (auto _ : state) {
    switch (streams) {
      case 1: sink ^= read_streams<1>(buf, kWords); break;
      case 2: sink ^= read_streams<2>(buf, kWords); break;
      case 4: sink ^= read_streams<4>(buf, kWords); break;
      default: sink ^= read_streams<8>(buf, kWords); break;
    }
    benchmark::DoNotOptimize(sink);
  }
  const int64_t bytes_read = static_cast<int64_t>(streams * stream_len(streams, kWords) * sizeof(uint32_t));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * bytes_read);
  std::free(buf);
}

}  // namespace

static void peak_fma(benchmark::State& state, Isa isa) {
  const int threads = static_cast<int>(state.range(0));
  int64_t flops = 0;
  for (auto _ : state) {
#pragma omp parallel for num_threads(threads) reduction(+ : flops)
    for (int t = 0; t < threads; ++t) flops += kernels::fma_peak_loop(isa, 1 << 20);
  }
  bench::set_flops_counters(state, flops / state.iterations(), threads);
}

static void peak_fma_on_cpu(benchmark::State& state, Isa isa) {
  const bench::PinToCpu pin(static_cast<int>(state.range(0)));
  int64_t flops = 0;
  for (auto _ : state) flops += kernels::fma_peak_loop(isa, 1 << 20);
  bench::set_flops_counters(state, flops / state.iterations(), 1);
}

static const int registered = [] {
  benchmark::RegisterBenchmark("peak/mem_read", peak_read)
      ->ArgName("streams")
      ->Arg(1)
      ->Arg(2)
      ->Arg(4)
      ->Arg(8)
      ->UseRealTime()
      ->MinTime(0.3);
  for (Isa isa : supported_isas()) {
    if (isa == Isa::avx512vnni) continue;  // same fp32 path as avx512
    const std::string name = std::string("peak/fma_f32/") + isa_name(isa);
    auto* b = benchmark::RegisterBenchmark(name.c_str(), peak_fma, isa);
    b->ArgName("threads")->UseRealTime()->MinTime(0.2);
    for (int t : bench::thread_counts()) b->Arg(t);
    const std::vector<int> cpus = bench::allowed_cpus();
    if (cpus.size() < 2 || isa != bench::widest_fp32_isa()) continue;  // per CPU: the widest path only
    auto* c = benchmark::RegisterBenchmark(name.c_str(), peak_fma_on_cpu, isa);
    c->ArgName("cpu")->UseRealTime()->MinTime(0.2);
    for (int cpu : cpus) c->Arg(cpu);
  }
  return 0;
}();
