// Shared by the subcommands that run a model: build it by name and load its weights.
#pragma once
#include <memory>
#include <string>

#include "bench/cli/args.h"
#include "data/transforms.h"
#include "models/registry.h"
#include "nn/module.h"

namespace tessera::cli {

// The model `name` with the weights of `path` (.pth or .safetensors), strict. The class
// count comes from the checkpoint's classifier when it has one (a fine-tuned head).
std::shared_ptr<nn::Module> load_model(const std::string& name, const std::string& weights_path);

// The eval preprocessing of the model's torchvision weights.
data::EvalPreset eval_preset(const models::ModelInfo& info);

// Applies --threads if given.
void apply_threads(const Args& args);

}  // namespace tessera::cli
