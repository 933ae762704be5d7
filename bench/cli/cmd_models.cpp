// tessera models: every registered model with its parameter count and the work of one
// 224x224 image (FLOPs as 2 x multiply-adds, what the modules report to nn::FlopCounter).
#include <nlohmann/json.hpp>

#include <cstdio>
#include <optional>
#include <set>

#include "bench/cli/args.h"
#include "bench/cli/commands.h"
#include "models/registry.h"
#include "nn/flops.h"
#include "nn/init.h"
#include "tensor/npy.h"

namespace tessera::cli {

int cmd_models(int argc, char** argv) {
  Args args("models", "Lists the registered models: parameters, GFLOPs at 224x224, torchvision weight file.");
  args.option("models", "a,b,c", "only these models (default: all)")
      .option("json", "FILE", "also write the table as JSON")
      .flag("no-flops", "skip the forward passes (the whole zoo takes a minute or two on 2 cores)");
  if (!args.parse(argc, argv)) return 0;
  std::set<std::string> only;
  if (args.has("models"))
    for (const std::string& name : args.get_list("models")) only.insert(models::model_info(name).name);

  nlohmann::json rows = nlohmann::json::array();
  std::printf("GFLOPs: one [1, 3, 224, 224] forward, counted as 2 x multiply-adds\n");
  std::printf("%-22s %12s %9s  %s\n", "model", "params", "GFLOPs", "torchvision weights");
  const bool count_flops = !args.flag_set("no-flops");
  const Tensor x = Tensor::zeros({1, 3, 224, 224});
  for (const models::ModelInfo& info : models::model_zoo()) {
    if (!only.empty() && !only.count(info.name)) continue;
    // Counting parameters needs none of their values; the forward pass counts FLOPs the
    // same on any, but runs on initialised ones (no NaNs or denormals to slow it).
    std::optional<nn::SkipInit> skip;
    if (!count_flops) skip.emplace();
    auto model = models::create_model(info.name);
    double flops = 0;
    if (count_flops) {
      nn::FlopCounter counter;
      model->forward(x);
      flops = counter.total();
    }
    const int64_t params = model->num_parameters();
    char gflops[32] = "-";
    if (count_flops) std::snprintf(gflops, sizeof gflops, "%.3f", flops * 1e-9);
    std::printf("%-22s %12lld %9s  %s\n", info.name.c_str(), static_cast<long long>(params), gflops,
                info.torchvision_weights.c_str());
    std::fflush(stdout);
    nlohmann::json row = {{"model", info.name}, {"params", params}, {"torchvision_weights", info.torchvision_weights}};
    if (count_flops) row["gflops_224"] = flops * 1e-9;
    rows.push_back(row);
  }
  if (args.has("json")) write_file_atomic(args.get("json"), rows.dump(1) + "\n");
  return 0;
}

}  // namespace tessera::cli
