#include "models/registry.h"

#include "models/resnet.h"

namespace tessera::models {

const std::vector<ModelInfo>& model_zoo() {
  static const std::vector<ModelInfo> zoo = {
      {"resnet18", [](int64_t n) { return resnet18(n); }, "resnet18-f37072fd.pth"},
      {"resnet34", [](int64_t n) { return resnet34(n); }, "resnet34-b627a593.pth"},
      {"resnet50", [](int64_t n) { return resnet50(n); }, "resnet50-0676ba61.pth"},
      {"resnet101", [](int64_t n) { return resnet101(n); }, "resnet101-63fe2227.pth"},
      {"resnet152", [](int64_t n) { return resnet152(n); }, "resnet152-394f9c45.pth"},
  };
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
