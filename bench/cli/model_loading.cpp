#include "bench/cli/model_loading.h"

#include "kernels/parallel.h"
#include "models/registry.h"
#include "weights/weights.h"

namespace tessera::cli {

std::shared_ptr<nn::Module> load_model(const std::string& name, const std::string& weights_path) {
  models::model_info(name);  // an unknown name fails before the file is read
  const StateDict sd = load_weights(weights_path);
  int64_t num_classes = 1000;
  if (const StateEntry* fc = sd.find("fc.weight"); fc && fc->tensor.dim() == 2) num_classes = fc->tensor.size(0);
  auto model = models::create_model(name, num_classes);
  try {
    model->load_state_dict(sd, true);
  } catch (const Error& e) {
    throw Error(weights_path + ": does not fit " + name + ": " + e.what());
  }
  return model;
}

void apply_threads(const Args& args) {
  if (args.has("threads")) set_num_threads(args.get_int("threads", 1, 1024));
}

}  // namespace tessera::cli
