// CPU feature detection and the instruction-set path the kernels dispatch on.
//
// The best path the CPU supports is chosen once at start-up; TESSERA_ISA=
// ref|avx2|avx512|avx512vnni forces one (an error if this CPU lacks it), so any
// path can be tested and benchmarked on a machine that has it.
#pragma once
#include <string>
#include <vector>

namespace tessera {

enum class Isa { ref = 0, avx2 = 1, avx512 = 2, avx512vnni = 3 };

struct CpuFeatures {
  bool avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512dq = false, avx512vl = false;
  bool avx512vnni = false, avx512bf16 = false;
};

const CpuFeatures& cpu_features();
const char* isa_name(Isa isa);
Isa parse_isa(const std::string& name);  // throws on an unknown name
bool isa_supported(Isa isa);
std::vector<Isa> supported_isas();       // ref first, best last

// The path kernels use now: TESSERA_ISA if set, else the best supported.
Isa active_isa();
// Overrides the active path (tests and benchmarks sweep paths with it).
void set_active_isa(Isa isa);

}  // namespace tessera
