// Which OPENBLAS_CORETYPE bench-kernels gives OpenBLAS: the core of the CPU's widest ISA,
// only when the core OpenBLAS picked itself is below it.
#include <doctest/doctest.h>

#include "bench/kernels/openblas_core.h"

using tessera::bench::openblas_better_core;

TEST_CASE("openblas_better_core: a CPU OpenBLAS does not know gets the kernels of its widest ISA") {
  // Debian's 0.3.21 on an Emerald Rapids Xeon picks the generic SSE3 core.
  CHECK(openblas_better_core("Prescott", true, true) == "SkylakeX");
  CHECK(openblas_better_core("Prescott", false, true) == "Haswell");
  CHECK(openblas_better_core("Nehalem", false, true) == "Haswell");
  // An AVX2 core on an AVX-512 CPU (Zen 4 as "Zen", or a Haswell fallback) moves up too.
  CHECK(openblas_better_core("Haswell", true, true) == "SkylakeX");
  CHECK(openblas_better_core("Zen", true, true) == "SkylakeX");
}

TEST_CASE("openblas_better_core: a core already on the widest ISA is left alone") {
  for (const char* core : {"SkylakeX", "Cooperlake", "SapphireRapids"}) {
    CHECK(openblas_better_core(core, true, true).empty());
    CHECK(openblas_better_core(core, false, true).empty());
  }
  for (const char* core : {"Haswell", "Zen", "Excavator"}) CHECK(openblas_better_core(core, false, true).empty());
  // Without AVX2 + FMA there is nothing wider to give.
  CHECK(openblas_better_core("Prescott", false, false).empty());
  CHECK(openblas_better_core("Sandybridge", false, false).empty());
}
