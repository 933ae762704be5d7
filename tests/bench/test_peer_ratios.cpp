// The bench-kernels ratio table: which benchmarks pair up, which time stands for a
// benchmark, and the CSV it writes.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "bench/kernels/peer_ratios.h"
#include "tensor/error.h"

using namespace tessera::bench;
namespace fs = std::filesystem;

namespace {

Measurement run(const std::string& name, double ns, const std::string& aggregate = "") { return {name, aggregate, ns}; }

const Ratio* find(const std::vector<Ratio>& rs, Ratio::Kind kind, const std::string& tessera, const std::string& other,
                  const std::string& scenario) {
  for (const Ratio& r : rs)
    if (r.kind == kind && r.tessera == tessera && r.other == other && r.scenario == scenario) return &r;
  return nullptr;
}

// What write_ratios_csv writes for `rs`, through a file in a fresh temporary folder.
std::string written_csv(const std::vector<Ratio>& rs) {
  const fs::path dir = fs::temp_directory_path() / ("tessera_ratios_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  write_ratios_csv(rs, (dir / "ratios.csv").string());
  std::ifstream f(dir / "ratios.csv");
  std::stringstream text;
  text << f.rdbuf();
  fs::remove_all(dir);
  return text.str();
}

}  // namespace

TEST_CASE("peer_ratios pairs each Tessera implementation with the peers of the same op and case") {
  const auto rs = peer_ratios({run("gemm_f32/tessera_avx512/n:1024/threads:1/real_time", 10e6),
                               run("gemm_f32/onednn/n:1024/threads:1/real_time", 12e6),
                               run("gemm_f32/openblas/n:1024/threads:1/real_time", 20e6),
                               run("gemm_f32/openblas/n:2048/threads:1/real_time", 99e6),  // no Tessera run
                               run("peak/fma_f32/avx512/threads:1/min_time:0.200/real_time", 1e6)});
  REQUIRE(rs.size() == 2);
  const Ratio* one = find(rs, Ratio::Kind::peer, "tessera_avx512", "onednn", "n:1024/threads:1");
  REQUIRE(one);
  CHECK(one->op == "gemm_f32");
  CHECK(one->tessera_ns == 10e6);
  CHECK(one->other_ns == 12e6);
  CHECK(one->ratio == doctest::Approx(1.2).epsilon(1e-12));
  const Ratio* two = find(rs, Ratio::Kind::peer, "tessera_avx512", "openblas", "n:1024/threads:1");
  REQUIRE(two);
  CHECK(two->ratio == doctest::Approx(2.0).epsilon(1e-12));
}

TEST_CASE("peer_ratios takes the median aggregate, else the median of the repetitions") {
  SUBCASE("median aggregate present") {
    const auto rs = peer_ratios({run("conv_f32/tessera/x/threads:2/real_time", 10),
                                 run("conv_f32/tessera/x/threads:2/real_time", 30),
                                 run("conv_f32/tessera/x/threads:2/real_time", 20),
                                 run("conv_f32/tessera/x/threads:2/real_time", 19, "median"),
                                 run("conv_f32/tessera/x/threads:2/real_time", 20, "mean"),
                                 run("conv_f32/onednn_blocked/x/threads:2/real_time", 38, "median")});
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].tessera_ns == 19);
    CHECK(rs[0].ratio == doctest::Approx(2.0).epsilon(1e-12));
  }
  SUBCASE("repetitions only: the middle one, or the mean of the middle two") {
    const auto rs = peer_ratios({run("conv_f32/tessera/x/real_time", 10), run("conv_f32/tessera/x/real_time", 30),
                                 run("conv_f32/tessera/x/real_time", 20), run("conv_f32/eigen/x/real_time", 8),
                                 run("conv_f32/eigen/x/real_time", 12)});
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].tessera_ns == 20);
    CHECK(rs[0].other_ns == 10);
    CHECK(rs[0].ratio == doctest::Approx(0.5).epsilon(1e-12));
  }
}

TEST_CASE("peer_ratios sets Tessera at N threads against its own threads:1 run") {
  const auto rs = peer_ratios({run("gemm_f32/tessera_avx512/n:2048/threads:1/real_time", 80),
                               run("gemm_f32/tessera_avx512/n:2048/threads:2/real_time", 40),
                               run("gemm_f32/onednn/n:2048/threads:1/real_time", 84),
                               run("gemm_f32/onednn/n:2048/threads:2/real_time", 44),
                               run("gemm_f32/tessera_avx512/n:512/threads:2/real_time", 5)});  // no threads:1 run
  const Ratio* s = find(rs, Ratio::Kind::scaling, "tessera_avx512", "threads:1", "n:2048/threads:2");
  REQUIRE(s);
  CHECK(s->ratio == doctest::Approx(2.0).epsilon(1e-12));
  CHECK(s->other_ns == 80);
  int scaling = 0, peer = 0;
  for (const Ratio& r : rs) (r.kind == Ratio::Kind::scaling ? scaling : peer) += 1;
  CHECK(scaling == 1);  // peers get no scaling rows
  CHECK(peer == 2);
  CHECK(find(rs, Ratio::Kind::peer, "tessera_avx512", "onednn", "n:2048/threads:2")->ratio ==
        doctest::Approx(1.1).epsilon(1e-12));
}

TEST_CASE("peer_ratios ignores failed runs and names without a case") {
  const auto rs = peer_ratios({run("gemm_f32/tessera", 1), run("gemm_f32/onednn", 2),
                               run("gemm_f32/tessera/n:64/real_time", 0),  // no time: skipped
                               run("gemm_f32/onednn/n:64/real_time", 3)});
  CHECK(rs.empty());
  CHECK(format_ratios(rs).empty());
}

TEST_CASE("format_ratios and write_ratios_csv show every pair") {
  const auto rs = peer_ratios({run("gemm_f32/tessera_avx512/n:1024/threads:1/real_time", 9.71e6),
                               run("gemm_f32/onednn/n:1024/threads:1/real_time", 10.2e6),
                               run("gemm_f32/tessera_avx512/n:1024/threads:2/real_time", 5.0e6)});
  REQUIRE(rs.size() == 2);
  const std::string table = format_ratios(rs);
  CHECK(table.find("gemm_f32/n:1024/threads:1") != std::string::npos);
  CHECK(table.find("9.71 ms") != std::string::npos);
  CHECK(table.find("10.2 ms") != std::string::npos);
  CHECK(table.find("1.05x") != std::string::npos);
  CHECK(table.find("1.94x") != std::string::npos);  // 9.71 / 5.0

  std::stringstream text(written_csv(rs));
  std::string header, first, second;
  std::getline(text, header);
  std::getline(text, first);
  std::getline(text, second);
  CHECK(header == "kind,op,case,tessera,other,tessera_ns,other_ns,ratio,ratio_lo,ratio_hi");
  CHECK(first.rfind("peer,gemm_f32,n:1024/threads:1,tessera_avx512,onednn,9710000,10200000,1.0504", 0) == 0);
  CHECK(first.substr(first.size() - 2) == ",,");  // no repetitions, no range
  CHECK(second.rfind("scaling,gemm_f32,n:1024/threads:2,tessera_avx512,threads:1,5000000,9710000,1.942", 0) == 0);
  CHECK(table.find("95 % range") == std::string::npos);
  const fs::path missing = fs::temp_directory_path() / ("tessera_no_folder_" + std::to_string(::getpid())) / "r.csv";
  const std::string want = (missing.parent_path().filename() / "r.csv").string() + ": cannot write";
  CHECK_THROWS_WITH_AS(write_ratios_csv(rs, missing.string()), doctest::Contains(want.c_str()), tessera::Error);
}

TEST_CASE("peer_ratios groups rows by op and implementation, cases in natural order") {
  const auto rs = peer_ratios({run("gemm_f32/onednn/n:1024/threads:1/real_time", 4),
                               run("gemm_f32/tessera_avx512/n:1024/threads:2/real_time", 1),
                               run("gemm_f32/tessera_avx512/n:1024/threads:1/real_time", 2),
                               run("gemm_f32/tessera_avx2/n:256/threads:1/real_time", 1),
                               run("gemm_f32/onednn/n:256/threads:1/real_time", 1),
                               run("gemm_f32/tessera_avx512/n:256/threads:1/real_time", 1),
                               run("gemm_f32/eigen/n:256/threads:1/real_time", 1)});
  std::vector<std::string> got;
  for (const Ratio& r : rs) got.push_back(r.tessera + " " + r.scenario + " " + r.other);
  const std::vector<std::string> want = {
      "tessera_avx512 n:256/threads:1 onednn",  "tessera_avx512 n:256/threads:1 eigen",
      "tessera_avx512 n:1024/threads:1 onednn", "tessera_avx2 n:256/threads:1 onednn",
      "tessera_avx2 n:256/threads:1 eigen",     "tessera_avx512 n:1024/threads:2 threads:1"};
  CHECK(got == want);
}

TEST_CASE("peer_ratios counts names that differ only in run settings as one benchmark") {
  const auto rs = peer_ratios({run("conv_f32/tessera/x/threads:1/min_time:0.200/real_time", 10),
                               run("conv_f32/tessera/x/threads:1/real_time", 99),
                               run("conv_f32/onednn_blocked/x/threads:1/real_time", 12)});
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].scenario == "x/threads:1");
  CHECK(rs[0].tessera_ns == 10);
}

TEST_CASE("format_ratios says how to compare the AVX2 path like for like, only when it is there") {
  const auto avx512 = peer_ratios({run("gemm_f32/tessera_avx512/n:64/real_time", 1),
                                   run("gemm_f32/onednn/n:64/real_time", 1)});
  CHECK(format_ratios(avx512).find("DNNL_MAX_CPU_ISA") == std::string::npos);
  const auto avx2 = peer_ratios({run("gemm_f32/tessera_avx2/n:64/real_time", 1),
                                 run("gemm_f32/onednn/n:64/real_time", 1)});
  CHECK(format_ratios(avx2).find("DNNL_MAX_CPU_ISA=AVX2") != std::string::npos);
}

TEST_CASE("peer_ratios sets a case with a GFLOPS counter against the same run's FMA peak of its ISA and threads") {
  auto g = [](const std::string& name, double gflops, const std::string& aggregate = "") {
    return Measurement{name, aggregate, 1e6 / gflops, gflops};
  };
  const auto rs = peer_ratios({g("gemm_f32/tessera_avx512/n:1024/threads:1/real_time", 190, "median"),
                               g("gemm_f32/tessera_avx512/n:1024/threads:2/real_time", 360),
                               g("gemm_f32/tessera_avx512/n:1024/threads:4/real_time", 700),  // no peak at 4
                               g("gemm_f32/tessera_avx2/n:1024/threads:1/real_time", 90),
                               g("conv_f32/tessera/x/threads:1/real_time", 180),  // no ISA named: the widest
                               g("peak/fma_f32/avx2/threads:1/min_time:0.200/real_time", 100),
                               g("peak/fma_f32/avx512/threads:1/min_time:0.200/real_time", 200, "median"),
                               g("peak/fma_f32/avx512/threads:2/min_time:0.200/real_time", 400),
                               Measurement{"gemm_f32/onednn/n:1024/threads:1/real_time", "", 5e3, 0}});
  auto peak = [&](const std::string& tessera, const std::string& other, const std::string& scenario) {
    const Ratio* r = find(rs, Ratio::Kind::peak, tessera, other, scenario);
    return r ? r->ratio : -1.0;
  };
  CHECK(peak("tessera_avx512", "peak/fma_f32/avx512", "n:1024/threads:1") == doctest::Approx(0.95).epsilon(1e-12));
  CHECK(peak("tessera_avx512", "peak/fma_f32/avx512", "n:1024/threads:2") == doctest::Approx(0.9).epsilon(1e-12));
  CHECK(peak("tessera_avx2", "peak/fma_f32/avx2", "n:1024/threads:1") == doctest::Approx(0.9).epsilon(1e-12));
  CHECK(peak("tessera", "peak/fma_f32/avx512", "x/threads:1") == doctest::Approx(0.9).epsilon(1e-12));
  int peak_rows = 0;
  for (const Ratio& r : rs) peak_rows += r.kind == Ratio::Kind::peak;
  CHECK(peak_rows == 4);  // not threads:4, not the peer, not the peak runs themselves
  const std::string table = format_ratios(rs);
  CHECK(table.find("95.0 %") != std::string::npos);
  CHECK(table.find("of peak") != std::string::npos);
}

TEST_CASE("with repetitions a ratio gets a 95 % range from both sides' spread") {
  // Medians 10 and 12 ms; standard deviations 2 % and 3 % of the means over 5 repetitions.
  auto reps = [](const std::string& name, double median, double mean, double stddev) {
    return std::vector<Measurement>{{name, "mean", mean, 0, 5}, {name, "median", median, 0, 5},
                                    {name, "stddev", stddev, 0, 5}};
  };
  std::vector<Measurement> runs = reps("gemm_f32/tessera_avx512/n:1024/threads:1/real_time", 10e6, 10e6, 0.2e6);
  for (const Measurement& m : reps("gemm_f32/onednn/n:1024/threads:1/real_time", 12e6, 12e6, 0.36e6)) runs.push_back(m);
  runs.push_back(run("gemm_f32/openblas/n:1024/threads:1/real_time", 20e6));  // one run: no spread
  const auto rs = peer_ratios(runs);
  const Ratio* onednn = find(rs, Ratio::Kind::peer, "tessera_avx512", "onednn", "n:1024/threads:1");
  const Ratio* openblas = find(rs, Ratio::Kind::peer, "tessera_avx512", "openblas", "n:1024/threads:1");
  REQUIRE(onednn);
  REQUIRE(openblas);
  CHECK(onednn->ratio == doctest::Approx(1.2));
  // The standard error of a median of 5 normal samples: sqrt(pi/2) * cv / sqrt(5).
  const double se = std::sqrt(std::acos(-1.0) / 2 / 5) * std::sqrt(0.02 * 0.02 + 0.03 * 0.03);
  CHECK(onednn->lo == doctest::Approx(1.2 * std::exp(-1.96 * se)).epsilon(1e-9));
  CHECK(onednn->hi == doctest::Approx(1.2 * std::exp(1.96 * se)).epsilon(1e-9));
  CHECK(onednn->lo == doctest::Approx(1.16).epsilon(0.005));  // 1.2 -3.7 %
  CHECK(openblas->lo == 0);
  CHECK(openblas->hi == 0);
  const std::string table = format_ratios(rs);
  CHECK(table.find("95 % range") != std::string::npos);
  char want[32];
  std::snprintf(want, sizeof want, "%.2f-%.2fx", onednn->lo, onednn->hi);
  CHECK(table.find(want) != std::string::npos);
}

TEST_CASE("peer_ratios sets a probe pinned to each CPU against the same probe on the lowest-numbered CPU") {
  const auto rs = peer_ratios({run("peak/fma_f32/avx512/cpu:1/min_time:0.200/real_time", 1.1e6),
                               run("peak/fma_f32/avx512/cpu:0/min_time:0.200/real_time", 1.0e6),
                               run("peak/fma_f32/avx512/cpu:2/min_time:0.200/real_time", 0.8e6),
                               run("peak/fma_f32/avx2/cpu:1/min_time:0.200/real_time", 2e6),  // alone: no pair
                               run("conv_f32/tessera/dw/cpu:3/real_time", 150e3),
                               run("conv_f32/tessera/dw/cpu:2/real_time", 100e3),
                               run("conv_f32/onednn/dw/cpu:3/real_time", 90e3),  // a peer row, as for threads
                               run("conv_f32/tessera/dw/threads:1/real_time", 80e3)});
  auto speed = [&](const std::string& impl, const std::string& base, const std::string& scenario) {
    const Ratio* r = find(rs, Ratio::Kind::cpu, impl, base, scenario);
    return r ? r->ratio : -1.0;
  };
  CHECK(speed("fma_f32", "cpu:0", "avx512/cpu:1") == doctest::Approx(1.0 / 1.1).epsilon(1e-12));
  CHECK(speed("fma_f32", "cpu:0", "avx512/cpu:2") == doctest::Approx(1.25).epsilon(1e-12));
  CHECK(speed("tessera", "cpu:2", "dw/cpu:3") == doctest::Approx(100.0 / 150).epsilon(1e-12));
  int cpu_rows = 0;
  for (const Ratio& r : rs) cpu_rows += r.kind == Ratio::Kind::cpu;
  CHECK(cpu_rows == 3);  // no row for a probe against itself, none for avx2's lone run
  CHECK(find(rs, Ratio::Kind::peer, "tessera", "onednn", "dw/cpu:3"));
  const std::string table = format_ratios(rs);
  CHECK(table.find("Per-CPU speed") != std::string::npos);
  CHECK(table.find("0.67x") != std::string::npos);
}

TEST_CASE("a paired benchmark gives a row per peer from its counters, the median aggregate's with repetitions") {
  const std::string name = "paired/gemm_f32/n:1024/threads:1/iterations:41/manual_time";
  auto paired = [&](const std::string& aggregate, double onednn_x) {
    return Measurement{name, aggregate, 10e6, 100, aggregate.empty() ? 0 : 5,
                       {{"tessera_ms", 10}, {"onednn_ms", 9}, {"onednn_x", onednn_x}, {"onednn_x_q1", 0.88},
                        {"onednn_x_q3", 0.93}, {"openblas_ms", 12}, {"openblas_x", 1.2}, {"openblas_x_q1", 1.1},
                        {"openblas_x_q3", 1.3}, {"GFLOPS", 100}, {"pct_peak", 70}}};
  };
  SUBCASE("one run") {
    const auto rs = peer_ratios({paired("", 0.9), run("gemm_f32/onednn/n:1024/threads:1/real_time", 5e6)});
    REQUIRE(rs.size() == 2);  // no Tessera benchmark beside the peer's: paired rows only
    const Ratio* onednn = find(rs, Ratio::Kind::paired, "tessera", "onednn", "n:1024/threads:1");
    const Ratio* openblas = find(rs, Ratio::Kind::paired, "tessera", "openblas", "n:1024/threads:1");
    REQUIRE(onednn);
    REQUIRE(openblas);
    CHECK(onednn->op == "gemm_f32");
    CHECK(onednn->tessera_ns == doctest::Approx(10e6));
    CHECK(onednn->other_ns == doctest::Approx(9e6));
    CHECK(onednn->ratio == 0.9);
    CHECK(onednn->lo == 0.88);
    CHECK(onednn->hi == 0.93);
    CHECK(openblas->other_ns == doctest::Approx(12e6));
    CHECK(openblas->ratio == 1.2);
    const std::string table = format_ratios(rs);
    CHECK(table.find("paired") != std::string::npos);
    CHECK(table.find("quartiles") != std::string::npos);
    CHECK(table.find("speedup  quartiles\n") != std::string::npos);  // the column says what its range is
    CHECK(table.find("0.90x  0.88-0.93x") != std::string::npos);
    CHECK(written_csv(rs).find("\npaired,gemm_f32,n:1024/threads:1,tessera,onednn,10000000,9000000,0.9,0.88,0.93\n") !=
          std::string::npos);
  }
  SUBCASE("repetitions: the median aggregate, wherever it comes") {
    for (const bool median_first : {false, true}) {
      std::vector<Measurement> runs{paired("", 0.5), paired("mean", 0.6)};
      runs.insert(median_first ? runs.begin() : runs.end(), paired("median", 0.95));
      const auto rs = peer_ratios(runs);
      CAPTURE(median_first);
      REQUIRE(rs.size() == 2);
      const Ratio* onednn = find(rs, Ratio::Kind::paired, "tessera", "onednn", "n:1024/threads:1");
      REQUIRE(onednn);
      CHECK(onednn->ratio == 0.95);
    }
  }
}
