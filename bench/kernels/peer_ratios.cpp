#include "bench/kernels/peer_ratios.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "tensor/npy.h"

namespace tessera::bench {

namespace {

// A benchmark name taken apart: op, implementation, and the case without run settings.
struct Parsed {
  std::string op, impl, scenario;
  bool ok = false;
};

bool is_run_setting(const std::string& part) {
  return part == "real_time" || part == "process_time" || part == "manual_time" || part.rfind("min_time:", 0) == 0 ||
         part.rfind("min_warmup_time:", 0) == 0 || part.rfind("repeats:", 0) == 0 ||
         part.rfind("iterations:", 0) == 0;
}

Parsed parse(const std::string& name) {
  std::vector<std::string> parts;
  std::stringstream ss(name);
  for (std::string p; std::getline(ss, p, '/');) parts.push_back(p);
  Parsed r;
  if (parts.size() < 3) return r;
  r.op = parts[0];
  r.impl = parts[1];
  for (size_t i = 2; i < parts.size(); ++i) {
    if (is_run_setting(parts[i])) continue;
    r.scenario += (r.scenario.empty() ? "" : "/") + parts[i];
  }
  r.ok = true;
  return r;
}

bool is_tessera(const std::string& impl) { return impl.rfind("tessera", 0) == 0; }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// "threads:2" in a scenario -> the same scenario at threads:1, or "" when it has no
// threads:N > 1 part.
std::string at_one_thread(const std::string& scenario) {
  const size_t at = scenario.find("threads:");
  if (at == std::string::npos) return "";
  const size_t end = scenario.find('/', at);
  const std::string n = scenario.substr(at + 8, end == std::string::npos ? std::string::npos : end - at - 8);
  if (n.empty() || n == "1" || n.find_first_not_of("0123456789") != std::string::npos) return "";
  return scenario.substr(0, at) + "threads:1" + (end == std::string::npos ? "" : scenario.substr(end));
}

// A scenario with a "cpu:N" part (one thread pinned to CPU N): the scenario with that part
// blanked, which the same probe on every CPU shares, and N; {"", -1} without one.
std::pair<std::string, int> cpu_part(const std::string& scenario) {
  const size_t at = scenario.find("cpu:");
  if (at == std::string::npos || (at > 0 && scenario[at - 1] != '/')) return {"", -1};
  const size_t end = scenario.find('/', at);
  const std::string n = scenario.substr(at + 4, end == std::string::npos ? std::string::npos : end - at - 4);
  if (n.empty() || n.size() > 6 || n.find_first_not_of("0123456789") != std::string::npos) return {"", -1};
  return {scenario.substr(0, at) + "cpu:*" + (end == std::string::npos ? "" : scenario.substr(end)), std::stoi(n)};
}

// "n:256" before "n:1024": runs of digits compare as numbers.
bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
      size_t i1 = i, j1 = j;
      while (i1 < a.size() && std::isdigit(static_cast<unsigned char>(a[i1]))) ++i1;
      while (j1 < b.size() && std::isdigit(static_cast<unsigned char>(b[j1]))) ++j1;
      const std::string x = a.substr(i, i1 - i), y = b.substr(j, j1 - j);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = i1, j = j1;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i, ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

std::string format_time(double ns) {
  const char* unit = "ns";
  double v = ns;
  if (v >= 1e9) v /= 1e9, unit = "s";
  else if (v >= 1e6) v /= 1e6, unit = "ms";
  else if (v >= 1e3) v /= 1e3, unit = "us";
  char buf[32];
  std::snprintf(buf, sizeof buf, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, unit);
  return buf;
}

}  // namespace

namespace {

// A benchmark with the one time that stands for it, and that time's relative standard
// error (0 when the run had no repetitions).
struct Timed {
  Parsed p;
  double ns, gflops, rel_se = 0;
};

// The standard error of a median of n normal samples, relative to the mean: sqrt(pi/2) * cv / sqrt(n).
double median_rel_se(double mean, double stddev, int n) {
  if (!(mean > 0) || !(stddev >= 0) || n < 2) return 0;
  return std::sqrt(std::acos(-1.0) / 2) * stddev / mean / std::sqrt(double(n));
}

// ratio * exp(+-1.96 * the two sides' relative errors in quadrature); {0, 0} when either is unknown.
std::pair<double, double> range95(double ratio, double rel_se_a, double rel_se_b) {
  if (!(rel_se_a > 0) || !(rel_se_b > 0)) return {0, 0};
  const double e = 1.96 * std::sqrt(rel_se_a * rel_se_a + rel_se_b * rel_se_b);
  return {ratio * std::exp(-e), ratio * std::exp(e)};
}

// One time per benchmark: its median aggregate, else the median of its iteration runs;
// in the order the benchmarks first appear. Names that differ only in run settings
// (min_time:...) count as one benchmark, the first.
std::vector<Timed> benchmark_times(const std::vector<Measurement>& runs) {
  struct Times {
    std::vector<double> iterations, iteration_gflops;
    double median_aggregate = -1, median_gflops = 0, mean = 0, stddev = -1;
    int repetitions = 0;
  };
  std::vector<std::string> order;
  std::map<std::string, Times> by_name;
  for (const Measurement& m : runs) {
    if (!(m.real_ns > 0)) continue;
    auto [it, fresh] = by_name.try_emplace(m.name);
    if (fresh) order.push_back(m.name);
    if (m.aggregate.empty()) {
      it->second.iterations.push_back(m.real_ns);
      it->second.iteration_gflops.push_back(m.gflops);
    } else if (m.aggregate == "median") {
      it->second.median_aggregate = m.real_ns;
      it->second.median_gflops = m.gflops;
    } else if (m.aggregate == "mean") {
      it->second.mean = m.real_ns;
      it->second.repetitions = m.repetitions;
    } else if (m.aggregate == "stddev") {
      it->second.stddev = m.real_ns;
    }
  }
  std::vector<Timed> out;
  std::set<std::string> cases;
  for (const std::string& name : order) {
    const Times& t = by_name.at(name);
    const Parsed p = parse(name);
    if (!p.ok || (t.median_aggregate < 0 && t.iterations.empty())) continue;
    if (!cases.insert(p.op + "/" + p.impl + "/" + p.scenario).second) continue;
    const bool agg = t.median_aggregate >= 0;
    out.push_back({p, agg ? t.median_aggregate : median(t.iterations),
                   agg ? t.median_gflops : median(t.iteration_gflops),
                   agg ? median_rel_se(t.mean, t.stddev, t.repetitions) : 0});
  }
  return out;
}

// Grouped for reading, whatever order the run took (--benchmark_enable_random_interleaving):
// peer rows, then scaling, then peak; ops and implementations as they first appeared; cases in
// natural order.
void sort_for_reading(std::vector<Ratio>& rows, const std::vector<Timed>& timed) {
  std::map<std::string, size_t> first_seen;
  for (const Timed& e : timed) {
    first_seen.try_emplace("op:" + e.p.op, first_seen.size());
    first_seen.try_emplace("impl:" + e.p.impl, first_seen.size());
  }
  auto seen = [&](const std::string& key) { return first_seen.at(key); };
  // A paired row's benchmark is paired/<op>/<case>: "paired" is its op, <op> its implementation.
  auto rank = [&](const Ratio& r) {
    return r.kind == Ratio::Kind::paired ? std::tuple(r.kind, seen("op:paired"), seen("impl:" + r.op))
                                         : std::tuple(r.kind, seen("op:" + r.op), seen("impl:" + r.tessera));
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const Ratio& x, const Ratio& y) {
    if (rank(x) != rank(y)) return rank(x) < rank(y);
    if (x.scenario != y.scenario) return natural_less(x.scenario, y.scenario);
    const auto other = [&](const Ratio& r) { return r.kind == Ratio::Kind::peer ? seen("impl:" + r.other) : 0; };
    return other(x) < other(y);
  });
}

// The ISA part of a peak scenario ("avx512/threads:2" -> "avx512").
std::string peak_isa(const std::string& scenario) { return scenario.substr(0, scenario.find('/')); }

// The FMA peak a Tessera case is measured against: peak/fma_f32/<isa>/threads:N at the
// case's thread count, the ISA its implementation names (tessera_avx2 -> avx2), else the
// widest one the run has. Null without a GFLOPS counter or a matching peak run.
const Timed* same_run_peak(const std::vector<Timed>& timed, const Timed& t) {
  const size_t at = t.p.scenario.find("threads:");
  if (!(t.gflops > 0) || t.p.op == "peak" || at == std::string::npos) return nullptr;
  const std::string threads = t.p.scenario.substr(at, t.p.scenario.find('/', at) - at);
  const Timed *named = nullptr, *widest = nullptr;
  for (const Timed& e : timed) {
    if (e.p.op != "peak" || e.p.impl != "fma_f32" || !(e.gflops > 0)) continue;
    const std::string isa = peak_isa(e.p.scenario);
    if (e.p.scenario != isa + "/" + threads) continue;
    // the longest ISA the name holds: tessera_avx512vnni is avx512vnni, not avx512
    if (t.p.impl.find(isa) != std::string::npos && (!named || isa.size() > peak_isa(named->p.scenario).size()))
      named = &e;
    if (!widest || e.gflops > widest->gflops) widest = &e;
  }
  return named ? named : widest;
}

// The rows of the paired benchmarks (paired/<op>/<case>): one per peer that has a <peer>_x
// counter, from the median aggregate when the run has one, else the first iteration run.
std::vector<Ratio> paired_rows(const std::vector<Measurement>& runs) {
  std::vector<std::string> order;
  std::map<std::string, std::pair<Parsed, const Measurement*>> chosen;  // "op/case" -> its measurement
  for (const Measurement& m : runs) {
    const Parsed p = parse(m.name);
    if (!p.ok || p.op != "paired" || (!m.aggregate.empty() && m.aggregate != "median")) continue;
    const std::string key = p.impl + "/" + p.scenario;
    const auto [it, fresh] = chosen.try_emplace(key, p, &m);
    if (fresh) order.push_back(key);
    else if (m.aggregate == "median") it->second.second = &m;  // over an iteration run
  }
  std::vector<Ratio> out;
  const std::string suffix = "_x";
  for (const std::string& key : order) {
    const auto& [p, mp] = chosen.at(key);
    const Measurement& m = *mp;
    const auto counter = [&](const std::string& name) {
      const auto it = m.counters.find(name);
      return it == m.counters.end() ? 0.0 : it->second;
    };
    for (const auto& [name, value] : m.counters) {
      if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
      const std::string peer = name.substr(0, name.size() - suffix.size());
      out.push_back({Ratio::Kind::paired, p.impl, p.scenario, "tessera", peer, counter("tessera_ms") * 1e6,
                     counter(peer + "_ms") * 1e6, value, counter(name + "_q1"), counter(name + "_q3")});
    }
  }
  return out;
}

}  // namespace

std::vector<Ratio> peer_ratios(const std::vector<Measurement>& runs) {
  const std::vector<Timed> timed = benchmark_times(runs);
  std::map<std::string, const Timed*> by_case;  // "op/impl/scenario" -> its time
  for (const Timed& e : timed) by_case.try_emplace(e.p.op + "/" + e.p.impl + "/" + e.p.scenario, &e);
  std::vector<Ratio> out;
  auto add = [&](Ratio::Kind kind, const Timed& t, const std::string& other, const Timed& o, double ratio) {
    const auto [lo, hi] = range95(ratio, t.rel_se, o.rel_se);
    out.push_back({kind, t.p.op, t.p.scenario, t.p.impl, other, t.ns, o.ns, ratio, lo, hi});
  };
  for (const Timed& t : timed) {
    if (!is_tessera(t.p.impl)) continue;
    for (const Timed& o : timed)
      if (!is_tessera(o.p.impl) && o.p.op == t.p.op && o.p.scenario == t.p.scenario)
        add(Ratio::Kind::peer, t, o.p.impl, o, o.ns / t.ns);
    const std::string one = at_one_thread(t.p.scenario);
    const auto base = one.empty() ? by_case.end() : by_case.find(t.p.op + "/" + t.p.impl + "/" + one);
    if (base != by_case.end()) add(Ratio::Kind::scaling, t, "threads:1", *base->second, base->second->ns / t.ns);
    if (const Timed* peak = same_run_peak(timed, t))
      add(Ratio::Kind::peak, t, peak->p.op + "/" + peak->p.impl + "/" + peak_isa(peak->p.scenario), *peak,
          t.gflops / peak->gflops);
  }
  // Probes pinned to one CPU after another (peak/fma_f32/<isa>/cpu:N, any implementation),
  // each against the same probe on the lowest-numbered CPU.
  std::map<std::string, const Timed*> first_cpu;
  for (const Timed& t : timed)
    if (const auto [shared, cpu] = cpu_part(t.p.scenario); cpu >= 0) {
      const Timed*& base = first_cpu[t.p.op + "/" + t.p.impl + "/" + shared];
      if (!base || cpu < cpu_part(base->p.scenario).second) base = &t;
    }
  for (const Timed& t : timed)
    if (const auto [shared, cpu] = cpu_part(t.p.scenario); cpu >= 0) {
      const Timed& base = *first_cpu.at(t.p.op + "/" + t.p.impl + "/" + shared);
      if (&base != &t)
        add(Ratio::Kind::cpu, t, "cpu:" + std::to_string(cpu_part(base.p.scenario).second), base, base.ns / t.ns);
    }
  for (Ratio& r : paired_rows(runs)) out.push_back(std::move(r));
  sort_for_reading(out, timed);
  return out;
}

std::string format_ratios(const std::vector<Ratio>& ratios) {
  if (ratios.empty()) return "";
  auto width = [&](auto field, size_t at_least) {
    size_t w = at_least;
    for (const Ratio& r : ratios) w = std::max(w, field(r).size());
    return w;
  };
  const size_t wc = width([](const Ratio& r) { return r.op + "/" + r.scenario; }, 4);
  const size_t wt = width([](const Ratio& r) { return r.tessera; }, 7);
  const size_t wo = width([](const Ratio& r) { return r.other; }, 7);
  std::ostringstream os;
  const bool ranges = std::any_of(ratios.begin(), ratios.end(), [](const Ratio& r) { return r.hi > 0; });
  auto line = [&](const std::string& c, const std::string& t, const std::string& o, const std::string& tt,
                  const std::string& ot, const std::string& x, const std::string& range) {
    char buf[512];
    std::snprintf(buf, sizeof buf, "%-*s  %-*s  %-*s  %10s  %10s  %8s", int(wc), c.c_str(), int(wt), t.c_str(),
                  int(wo), o.c_str(), tt.c_str(), ot.c_str(), x.c_str());
    os << buf;
    if (ranges) os << "  " << range;
    os << "\n";
  };
  auto section = [&](Ratio::Kind kind, const char* title, const char* other_head, const char* ratio_head,
                     const char* range_head = "95 % range") {
    bool any = false;
    for (const Ratio& r : ratios) {
      if (r.kind != kind) continue;
      if (!any) {
        os << "\n" << title << "\n";
        line("case", "tessera", other_head, "tessera", other_head, ratio_head, range_head);
        any = true;
      }
      const bool peak = kind == Ratio::Kind::peak;
      char x[32], range[48] = "";
      std::snprintf(x, sizeof x, peak ? "%.1f %%" : "%.2fx", peak ? 100 * r.ratio : r.ratio);
      if (r.hi > 0) std::snprintf(range, sizeof range, peak ? "%.1f-%.1f %%" : "%.2f-%.2fx", peak ? 100 * r.lo : r.lo, peak ? 100 * r.hi : r.hi);
      line(r.op + "/" + r.scenario, r.tessera, r.other, format_time(r.tessera_ns), format_time(r.other_ns), x, range);
    }
  };
  section(Ratio::Kind::peer, "Tessera vs peers, same run (speedup = peer time / Tessera time; above 1: Tessera faster)",
          "peer", "speedup");
  const bool avx2_rows = std::any_of(ratios.begin(), ratios.end(), [](const Ratio& r) {
    return r.kind == Ratio::Kind::peer && r.tessera.find("avx2") != std::string::npos;
  });
  if (avx2_rows)
    os << "(tessera_avx2 rows: Tessera held to AVX2 against peers on their own best ISA; for a like-for-like\n"
          " oneDNN run with DNNL_MAX_CPU_ISA=AVX2, and OpenBLAS with OPENBLAS_CORETYPE=Haswell)\n";
  section(Ratio::Kind::paired,
          "Tessera vs peers, paired: one call each per iteration, alternating (speedup = the median of the\n"
          "per-iteration ratios, peer time / Tessera time; range: their quartiles, not a 95 % range)",
          "peer", "speedup", "quartiles");
  section(Ratio::Kind::scaling, "Tessera thread scaling, same run (time at threads:1 / time at threads:N)", "base",
          "scaling");
  section(Ratio::Kind::peak,
          "Tessera vs the FMA peak run in the same process (GFLOP/s over the peak's at the same thread count;\n"
          "pct_peak above divides by the best burst at start-up instead)",
          "peak", "of peak");
  section(Ratio::Kind::cpu,
          "Per-CPU speed, one thread pinned to each CPU in turn (time on the first CPU / time on cpu:N; below 1:\n"
          "cpu:N runs this slower, and a static split of work over threads waits for it)",
          "base", "speed");
  return os.str();
}

void write_ratios_csv(const std::vector<Ratio>& ratios, const std::string& path) {
  std::ostringstream os;
  os.precision(10);
  os << "kind,op,case,tessera,other,tessera_ns,other_ns,ratio,ratio_lo,ratio_hi\n";
  for (const Ratio& r : ratios) {
    os << (r.kind == Ratio::Kind::peer      ? "peer"
           : r.kind == Ratio::Kind::paired  ? "paired"
           : r.kind == Ratio::Kind::scaling ? "scaling"
           : r.kind == Ratio::Kind::peak    ? "peak"
                                            : "cpu")
       << ',' << r.op
       << ',' << r.scenario << ',' << r.tessera << ',' << r.other << ',' << r.tessera_ns << ',' << r.other_ns << ','
       << r.ratio << ',';
    if (r.hi > 0) os << r.lo << ',' << r.hi;  // blank without repetitions
    else os << ',';
    os << '\n';
  }
  write_file_atomic(path, os.str());
}

}  // namespace tessera::bench
