// Models by name, as torchvision.models names them.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nn/module.h"

namespace tessera::models {

struct ModelInfo {
  std::string name;
  std::function<std::shared_ptr<nn::Module>(int64_t num_classes)> make;
  std::string torchvision_weights;  // the file name torchvision downloads its ImageNet weights to
  // Eval preprocessing of those weights (torchvision's weights.transforms()):
  // resize the shorter side, center crop, ImageNet mean/std.
  int64_t resize_size = 256;
  int64_t crop_size = 224;
  bool bicubic = false;  // else bilinear
  // Renames/drops keys of the published checkpoint that torchvision itself fixes up while
  // loading (old DenseNet key names, GoogLeNet's training-only aux heads). May be empty.
  std::function<void(StateDict&)> adapt_checkpoint = {};
};

const std::vector<ModelInfo>& model_zoo();
const ModelInfo& model_info(const std::string& name);  // throws listing the known names
std::shared_ptr<nn::Module> create_model(const std::string& name, int64_t num_classes = 1000);

}  // namespace tessera::models
