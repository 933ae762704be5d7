#include "bench/cli/model_loading.h"

#include "kernels/parallel.h"
#include "models/registry.h"
#include "nn/init.h"
#include "weights/weights.h"

namespace tessera::cli {

std::shared_ptr<nn::Module> load_model(const std::string& name, const std::string& weights_path) {
  const models::ModelInfo& info = models::model_info(name);  // an unknown name fails before the file is read
  StateDict sd = load_weights(weights_path);
  if (info.adapt_checkpoint) info.adapt_checkpoint(sd);
  // The classifier is the last 2-D weight of every zoo model: its rows are the class count
  // (a fine-tuned head has its own).
  int64_t num_classes = 1000;
  for (const StateEntry& e : sd)
    if (e.tensor.dim() == 2 && e.name.size() > 7 && e.name.compare(e.name.size() - 7, 7, ".weight") == 0)
      num_classes = e.tensor.size(0);
  // Every parameter is about to be overwritten (the load is strict): no random init.
  std::shared_ptr<nn::Module> model;
  {
    nn::SkipInit skip;
    model = models::create_model(name, num_classes);
  }
  try {
    model->load_state_dict(sd, true, /*assign=*/true);  // the weights stay where the file is mapped
  } catch (const Error& e) {
    throw Error(weights_path + ": does not fit " + name + ": " + e.what());
  }
  return model;
}

data::EvalPreset eval_preset(const models::ModelInfo& info) {
  data::EvalPreset preset;
  preset.resize_size = info.resize_size;
  preset.crop_size = info.crop_size;
  preset.interpolation = info.bicubic ? data::Interpolation::bicubic : data::Interpolation::bilinear;
  return preset;
}

void apply_threads(const Args& args) {
  if (args.has("threads")) set_num_threads(args.get_int("threads", 1, 1024));
}

}  // namespace tessera::cli
