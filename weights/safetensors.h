// safetensors files: an 8-byte little-endian header length, a JSON header
//   {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__": {str: str}}
// and one byte buffer that the tensors tile exactly (no gaps, no overlaps).
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "weights/state_dict.h"

namespace tessera {

// Tensors come out in the order of their data in the file (the writer's order).
StateDict load_safetensors(const std::string& path);
// `owner` as in parse_pth.
StateDict parse_safetensors(std::string_view bytes, const std::string& what,
                            const std::shared_ptr<const void>& owner = nullptr);

// Writes tensors in the state dict's order, each in its recorded file dtype, and the
// text metadata as __metadata__; via a temporary file renamed into place.
void save_safetensors(const std::string& path, const StateDict& sd);
std::string serialize_safetensors(const StateDict& sd);

}  // namespace tessera
