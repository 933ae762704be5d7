#include <cmath>
#include <cstdio>
#include <limits>

#include "bench/cli/args.h"
#include "bench/cli/commands.h"
#include "tensor/npy.h"

namespace tessera::cli {

int cmd_inspect(int argc, char** argv) {
  Args args("inspect", "Prints shape, dtype and min/max/mean of .npy files.");
  args.positional("FILE.npy", "one or more .npy files");
  if (!args.parse(argc, argv)) return 0;
  TESSERA_CHECK(!args.positionals().empty(), "tessera inspect: no .npy file given (see --help)");
  for (const std::string& path : args.positionals()) {
    const Tensor t = read_npy(path);
    double lo = std::numeric_limits<double>::infinity(), hi = -lo, sum = 0;
    const int64_t n = t.numel();
    for (int64_t i = 0; i < n; ++i) {
      const double v = t.get(i);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      sum += v;
    }
    std::printf("%s: %s %s", path.c_str(), dtype_name(t.dtype()), shape_str(t.shape()).c_str());
    if (n) std::printf(" min=%.6g max=%.6g mean=%.6g", lo, hi, sum / n);
    std::printf("\n");
  }
  return 0;
}

}  // namespace tessera::cli
