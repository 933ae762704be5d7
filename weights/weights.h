// One entry point for every weight format: chosen by the file's content, not its name.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "weights/pth.h"
#include "weights/safetensors.h"
#include "weights/state_dict.h"

namespace tessera {

// A torch.save zip checkpoint (`entry` as in load_pth) or a safetensors file.
StateDict load_weights(const std::string& path, const std::string& entry = "");
StateDict parse_weights(std::string_view bytes, const std::string& what, const std::string& entry = "",
                        const std::shared_ptr<const void>& owner = nullptr);  // owner as in parse_pth

// By extension: ".safetensors" writes safetensors, anything else a .pth checkpoint.
void save_weights(const std::string& path, const StateDict& sd);

}  // namespace tessera
