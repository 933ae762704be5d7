#include <cstdio>

#include "bench/cli/args.h"
#include "bench/cli/commands.h"
#include "kernels/cpu.h"
#include "kernels/parallel.h"

namespace tessera::cli {

int cmd_info(int argc, char** argv) {
  Args args("info", "Shows what Tessera sees of this CPU and which kernel path it uses.");
  if (!args.parse(argc, argv)) return 0;
  const CpuFeatures& f = cpu_features();
  auto yn = [](bool b) { return b ? "yes" : "no"; };
  std::printf("cpu features : avx2=%s fma=%s avx512f=%s avx512bw=%s avx512vl=%s avx512vnni=%s avx512bf16=%s\n",
              yn(f.avx2), yn(f.fma), yn(f.avx512f), yn(f.avx512bw), yn(f.avx512vl), yn(f.avx512vnni),
              yn(f.avx512bf16));
  std::printf("kernel paths :");
  for (Isa i : supported_isas()) std::printf(" %s", isa_name(i));
  std::printf("\nactive path  : %s (set TESSERA_ISA to force one)\n", isa_name(active_isa()));
  std::printf("threads      : %d (set TESSERA_NUM_THREADS or --threads)\n", get_num_threads());
  return 0;
}

}  // namespace tessera::cli
