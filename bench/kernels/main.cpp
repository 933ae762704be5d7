// bench-kernels: Google Benchmark's own main, plus a table of Tessera against its peers
// in the same run (bench/kernels/peer_ratios.h) after the results, and, with
// --ratios_out=FILE, the same ratios as CSV. Its OpenBLAS peer runs on the kernels of the
// CPU's widest ISA (bench/kernels/openblas_core.h).
#include <benchmark/benchmark.h>
#include <omp.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/kernels/openblas_core.h"
#include "bench/kernels/peer_ratios.h"
#include "kernels/cpu.h"
#include "kernels/settings.h"
#include "tensor/error.h"

extern "C" char* openblas_get_corename(void);

namespace {

using benchmark::BenchmarkReporter;

// Passes every call on to the reporter the flags chose, and keeps the timings.
class RatioReporter : public BenchmarkReporter {
 public:
  RatioReporter(BenchmarkReporter* display, bool print_table, std::string csv_path)
      : display_(display), print_table_(print_table), csv_path_(std::move(csv_path)) {}

  bool ReportContext(const Context& context) override {
    display_->SetOutputStream(&GetOutputStream());
    display_->SetErrorStream(&GetErrorStream());
    return display_->ReportContext(context);
  }
  void ReportRuns(const std::vector<Run>& runs) override {
    display_->ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.error_occurred || r.iterations == 0) continue;
      const bool aggregate = r.run_type == Run::RT_Aggregate;
      // Aggregates other than time statistics (a coefficient of variation) are no times.
      if (aggregate && r.aggregate_unit != benchmark::kTime) continue;
      const double ns = r.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(r.time_unit) * 1e9;
      const auto gflops = r.counters.find("GFLOPS");
      tessera::bench::Measurement m{r.run_name.str(), aggregate ? r.aggregate_name : "", ns,
                                    gflops == r.counters.end() ? 0.0 : gflops->second.value,
                                    aggregate ? static_cast<int>(r.repetitions) : 0};
      for (const auto& [name, counter] : r.counters) m.counters[name] = counter.value;
      measurements_.push_back(std::move(m));
    }
  }
  void Finalize() override {
    display_->Finalize();
    const auto ratios = tessera::bench::peer_ratios(measurements_);
    if (print_table_) GetOutputStream() << tessera::bench::format_ratios(ratios);
    if (!csv_path_.empty()) tessera::bench::write_ratios_csv(ratios, csv_path_);
  }

 private:
  BenchmarkReporter* display_;
  bool print_table_;
  std::string csv_path_;
  std::vector<tessera::bench::Measurement> measurements_;
};

// The CPUs OpenMP's threads may run on: those of all its places when threads are bound
// (OMP_PROC_BIND), which the runtime took from the process's mask as it started, else the
// mask itself.
cpu_set_t openmp_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  const int places = omp_get_num_places();
  if (places <= 0) {
    sched_getaffinity(0, sizeof set, &set);
    return set;
  }
  for (int p = 0; p < places; ++p) {
    std::vector<int> ids(static_cast<size_t>(omp_get_place_num_procs(p)));
    omp_get_place_proc_ids(p, ids.data());
    for (int id : ids) CPU_SET(id, &set);
  }
  return set;
}

// OpenBLAS read OPENBLAS_CORETYPE as it loaded, before main: to give it other kernels, this
// binary runs itself again with the variable set (once: the second run finds it set). The
// core OpenBLAS runs, and why, goes into the benchmark context (console header, JSON).
void run_openblas_on_its_widest_kernels(char** argv) {
  constexpr const char* kPicked = "TESSERA_OPENBLAS_PICKED";  // set for the second run
  const std::string core = openblas_get_corename();
  if (const char* picked = std::getenv(kPicked)) {
    benchmark::AddCustomContext("openblas_core", core + " (set by bench-kernels; OpenBLAS picked " + picked + ")");
    return;
  }
  if (const char* forced = std::getenv("OPENBLAS_CORETYPE")) {
    benchmark::AddCustomContext("openblas_core", core + " (OPENBLAS_CORETYPE=" + forced + ")");
    return;
  }
  using tessera::Isa;
  const std::string better = tessera::bench::openblas_better_core(core, tessera::isa_supported(Isa::avx512),
                                                                  tessera::isa_supported(Isa::avx2));
  if (!better.empty()) {
    std::fprintf(stderr, "bench-kernels: OpenBLAS picked its %s kernels on this CPU; running it as %s instead "
                 "(OPENBLAS_CORETYPE=%s), the kernels of this CPU's widest ISA\n", core.c_str(), better.c_str(),
                 better.c_str());
    setenv(kPicked, core.c_str(), 1);
    setenv("OPENBLAS_CORETYPE", better.c_str(), 1);
    // With OMP_PROC_BIND set, the OpenMP runtime pinned this thread to its first place
    // before main, and exec keeps that mask: the second run would see one CPU and put all
    // its threads there. It gets back the CPUs of every place.
    const cpu_set_t cpus = openmp_cpus();
    sched_setaffinity(0, sizeof cpus, &cpus);
    execv("/proc/self/exe", argv);
    std::fprintf(stderr, "bench-kernels: could not run itself again (%s); OpenBLAS stays on %s\n",
                 std::strerror(errno), core.c_str());
  }
  benchmark::AddCustomContext("openblas_core", core);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    tessera::read_settings();  // here, a bad value is a one-line error (kernels/settings.h)
    run_openblas_on_its_widest_kernels(argv);
    const cpu_set_t cpus = openmp_cpus();
    benchmark::AddCustomContext("omp_cpus", std::to_string(CPU_COUNT(&cpus)));
    // Our one flag, taken out before Google Benchmark sees the rest.
    std::string csv_path;
    bool console = true;
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
      const char* a = argv[i];
      if (i > 0 && std::strncmp(a, "--ratios_out=", 13) == 0) {
        csv_path = a + 13;
        TESSERA_CHECK(!csv_path.empty(), "--ratios_out: needs a file name (--ratios_out=ratios.csv)");
        const std::filesystem::path dir = std::filesystem::absolute(csv_path).parent_path();
        TESSERA_CHECK(std::filesystem::is_directory(dir), "--ratios_out=", csv_path, ": folder ", dir.string(),
                      " does not exist");
        continue;
      }
      if (std::strncmp(a, "--benchmark_format=", 19) == 0) console = std::strcmp(a + 19, "console") == 0;
      args.push_back(argv[i]);
    }
    int n = static_cast<int>(args.size());
    args.push_back(nullptr);
    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
    // The ratio table follows the console output only: JSON or CSV on stdout stays parseable.
    RatioReporter reporter(benchmark::CreateDefaultDisplayReporter(), console, csv_path);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-kernels: %s\n", e.what());
    return 1;
  }
}
