#include "kernels/cpu.h"

#include <atomic>
#include <cstdlib>

#include "tensor/error.h"

namespace tessera {

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = [] {
    CpuFeatures c;
#if defined(__x86_64__) || defined(__i386__)
    // libgcc's checks include the OS (XGETBV) state, so a reported feature is usable.
    __builtin_cpu_init();
    c.avx2 = __builtin_cpu_supports("avx2");
    c.fma = __builtin_cpu_supports("fma");
    c.f16c = __builtin_cpu_supports("f16c");
    c.avx512f = __builtin_cpu_supports("avx512f");
    c.avx512bw = __builtin_cpu_supports("avx512bw");
    c.avx512dq = __builtin_cpu_supports("avx512dq");
    c.avx512vl = __builtin_cpu_supports("avx512vl");
    c.avx512vnni = __builtin_cpu_supports("avx512vnni");
    c.avx512bf16 = __builtin_cpu_supports("avx512bf16");
#endif
    return c;
  }();
  return f;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::ref: return "ref";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
    case Isa::avx512vnni: return "avx512vnni";
  }
  return "?";
}

Isa parse_isa(const std::string& name) {
  for (Isa i : {Isa::ref, Isa::avx2, Isa::avx512, Isa::avx512vnni})
    if (name == isa_name(i)) return i;
  throw Error("unknown ISA '" + name + "' (expected ref, avx2, avx512 or avx512vnni)");
}

bool isa_supported(Isa isa) {
  const CpuFeatures& f = cpu_features();
  switch (isa) {
    case Isa::ref: return true;
    case Isa::avx2: return f.avx2 && f.fma;
    case Isa::avx512: return f.avx512f && f.avx512bw && f.avx512dq && f.avx512vl && f.fma;
    case Isa::avx512vnni: return isa_supported(Isa::avx512) && f.avx512vnni;
  }
  return false;
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (Isa i : {Isa::ref, Isa::avx2, Isa::avx512, Isa::avx512vnni})
    if (isa_supported(i)) out.push_back(i);
  return out;
}

namespace {
Isa initial_isa() {
  if (const char* env = std::getenv("TESSERA_ISA"); env && *env) {
    Isa want;
    try {
      want = parse_isa(env);
    } catch (const Error& e) {
      throw Error(std::string("TESSERA_ISA=") + env + ": " + e.what());
    }
    TESSERA_CHECK(isa_supported(want), "TESSERA_ISA=", env, ": this CPU does not support that instruction set");
    return want;
  }
  return supported_isas().back();
}
std::atomic<int>& isa_slot() {
  static std::atomic<int> slot{static_cast<int>(initial_isa())};
  return slot;
}
}  // namespace

Isa active_isa() { return static_cast<Isa>(isa_slot().load(std::memory_order_relaxed)); }

void set_active_isa(Isa isa) {
  TESSERA_CHECK(isa_supported(isa), "ISA ", isa_name(isa), " is not supported by this CPU");
  isa_slot().store(static_cast<int>(isa), std::memory_order_relaxed);
}

}  // namespace tessera
