// tessera run: logits of a model on an input batch (.npy), optionally timed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "bench/cli/args.h"
#include "bench/cli/commands.h"
#include "bench/cli/model_loading.h"
#include "tensor/npy.h"

namespace tessera::cli {

int cmd_run(int argc, char** argv) {
  Args args("run", "Runs a model on an input batch and writes its outputs (logits) as .npy.");
  args.option("model", "NAME", "model name, e.g. resnet18 (see tessera models)")
      .option("weights", "FILE", ".pth or .safetensors checkpoint (torchvision's state_dict)")
      .option("input", "X.npy", "float32 [N, 3, H, W] batch")
      .option("output", "Y.npy", "where to write the outputs")
      .option("threads", "N", "threads (default: TESSERA_NUM_THREADS or all cores)")
      .option("repeat", "N", "time N runs after a warm-up; prints 'latency_ms median=M min=m' last", "0");
  if (!args.parse(argc, argv)) return 0;
  apply_threads(args);
  const int repeat = args.get_int("repeat", 0, 1000000);
  const std::string output = args.get("output");
  auto model = load_model(args.get("model"), args.get("weights"));
  const Tensor x = read_npy(args.get("input"));
  TESSERA_CHECK(x.dtype() == DType::f32 && x.dim() == 4, args.get("input"),
                ": expected a float32 [N, C, H, W] array, got ", dtype_name(x.dtype()), " ", shape_str(x.shape()));
  Tensor y = model->forward(x);
  write_npy(output, y);
  std::printf("%s: %s -> %s %s\n", args.get("model").c_str(), shape_str(x.shape()).c_str(), output.c_str(),
              shape_str(y.shape()).c_str());
  if (repeat > 0) {
    std::vector<double> ms;
    for (int i = 0; i < repeat; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      y = model->forward(x);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    const double median = ms.size() % 2 ? ms[ms.size() / 2] : 0.5 * (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]);
    std::printf("latency_ms median=%.3f min=%.3f\n", median, ms.front());
  }
  return 0;
}

}  // namespace tessera::cli
