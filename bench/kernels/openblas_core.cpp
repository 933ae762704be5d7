#include "bench/kernels/openblas_core.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace tessera::bench {

namespace {
// OpenBLAS 0.3.21's x86-64 cores (DYNAMIC_ARCH names) by the widest ISA their SGEMM uses.
constexpr std::array<std::string_view, 3> kAvx512Cores{"SkylakeX", "Cooperlake", "SapphireRapids"};
constexpr std::array<std::string_view, 3> kAvx2Cores{"Haswell", "Zen", "Excavator"};

bool is_one_of(std::string_view core, auto const& cores) {
  return std::find(cores.begin(), cores.end(), core) != cores.end();
}
}  // namespace

std::string openblas_better_core(const std::string& picked, bool has_avx512, bool has_avx2_fma) {
  if (has_avx512) return is_one_of(picked, kAvx512Cores) ? "" : "SkylakeX";
  if (has_avx2_fma) return is_one_of(picked, kAvx512Cores) || is_one_of(picked, kAvx2Cores) ? "" : "Haswell";
  return "";
}

}  // namespace tessera::bench
