// Tessera against its peers, from the timings of one bench-kernels run.
//
// Benchmark names are "<op>/<impl>/<case...>": gemm_f32/tessera_avx512/n:1024/threads:1
// and gemm_f32/onednn/n:1024/threads:1 time the same case, so their ratio is a speedup.
// Implementations named tessera* are Tessera's; any other implementation of the same op
// and case is a peer. A Tessera case at threads:N > 1 is also set against its threads:1
// run (the scaling the targets in bench/README.md ask of SGEMM), and a case with a GFLOPS
// counter against the FMA peak run in the same process at the same thread count
// (peak/fma_f32/<isa>/threads:N): the clock it ran at, not the best burst at start-up that
// the pct_peak counter divides by. Probes pinned to one CPU after another (a "cpu:N" part,
// any implementation) are set against the same probe on the lowest-numbered CPU.
// Paired benchmarks (paired/<op>/<case>, bench_util.h run_paired) carry their own ratios,
// measured call by call, as counters: they become rows of their own.
// Pure functions, no Google Benchmark here: the reporter (main.cpp) feeds them.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace tessera::bench {

// One result line of the run: an iteration run (aggregate empty) or an aggregate of
// repetitions ("mean", "median", "stddev", "cv").
struct Measurement {
  std::string name;      // full benchmark name, e.g. conv_f32/tessera/resnet18_all/threads:2/real_time
  std::string aggregate; // "" for an iteration run
  double real_ns = 0;    // wall time per iteration
  double gflops = 0;     // its GFLOPS counter, 0 when it has none
  int repetitions = 0;   // for an aggregate: how many repetitions it sums up
  std::map<std::string, double> counters = {};  // all its counters (a paired benchmark's ratios)
};

struct Ratio {
  enum class Kind { peer, paired, scaling, peak, cpu } kind = Kind::peer;
  std::string op;       // gemm_f32
  std::string scenario; // n:1024/threads:1 (run settings such as real_time and min_time left out)
  std::string tessera;  // tessera_avx512 (tessera for paired rows)
  std::string other;    // the peer (onednn), "threads:1" for scaling, "peak/fma_f32/avx512" for peak,
                        // "cpu:0" (the lowest CPU the probe ran on) for cpu
  double tessera_ns = 0, other_ns = 0;
  double ratio = 0;     // other_ns / tessera_ns: > 1 means Tessera is faster; for peak rows,
                        // Tessera's GFLOP/s over the peak run's (0.9: 90 % of peak)
  double lo = 0, hi = 0;  // a 95 % range of the ratio, 0 when either side had no repetitions;
                          // for paired rows, the quartiles of the call-by-call ratios
};

// Each benchmark's time (and GFLOPS) is its median aggregate when the run has one, else the
// median of its iteration runs. With repetitions (mean and stddev aggregates), a ratio also
// gets a 95 % range: each median's standard error taken as sqrt(pi/2) * stddev / sqrt(n)
// (that of a median of n normal samples), the two sides' relative errors added in
// quadrature, the range ratio * exp(+-1.96 * error). It assumes independent noise, so it
// is wide where the two sides drifted together (interleaved runs), and it knows nothing of
// the drift between runs: it says whether one run tells two results apart. A paired
// benchmark gives a row per peer from its counters (the median aggregate's when the run
// has repetitions). Peer rows first, then paired, scaling, peak, cpu; within each, grouped by op and Tessera
// implementation (in the order they first appear), cases in natural order (n:256 before
// n:1024), peers in the order they first appear.
std::vector<Ratio> peer_ratios(const std::vector<Measurement>& runs);

// A readable table of the ratios, one line per pair; empty when there are none.
std::string format_ratios(const std::vector<Ratio>& ratios);

// CSV (kind,op,case,tessera,other,tessera_ns,other_ns,ratio; kind peer, paired, scaling, peak or cpu), written to a temporary file
// and renamed over `path`. Throws tessera::Error naming the file on failure.
void write_ratios_csv(const std::vector<Ratio>& ratios, const std::string& path);

}  // namespace tessera::bench
