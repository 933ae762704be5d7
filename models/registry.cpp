#include "models/registry.h"

#include "models/families.h"

namespace tessera::models {

const std::vector<ModelInfo>& model_zoo() {
  static const std::vector<ModelInfo> zoo = [] {
    std::vector<ModelInfo> z;
    add_resnet_models(z);
    add_vgg_models(z);
    add_mobilenet_models(z);
    add_densenet_models(z);
    add_googlenet_models(z);
    add_vit_models(z);
    add_swin_models(z);
    add_convnext_models(z);
    return z;
  }();
  return zoo;
}

const ModelInfo& model_info(const std::string& name) {
  std::string known;
  for (const ModelInfo& m : model_zoo()) {
    if (m.name == name) return m;
    known += (known.empty() ? "" : ", ") + m.name;
  }
  throw Error("unknown model '" + name + "' (known: " + known + ")");
}

std::shared_ptr<nn::Module> create_model(const std::string& name, int64_t num_classes) {
  auto m = model_info(name).make(num_classes);
  m->eval();
  return m;
}

}  // namespace tessera::models
