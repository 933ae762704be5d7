// PyTorch .pth checkpoints in the zip format torch.save writes since 1.6:
//   <archive>/data.pkl     the pickled object (an OrderedDict of tensors, or a dict holding one)
//   <archive>/data/<key>   one raw little-endian storage per key
//   <archive>/byteorder    "little" (newer torch), <archive>/version  "3"
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "weights/state_dict.h"

namespace tessera {

// Reads the state dict in a checkpoint. `entry` picks a nested one by its key in the
// top-level dict; empty picks automatically: the top-level dict when its values are
// tensors, else its "state_dict", "model_state_dict" or "model" entry.
StateDict load_pth(const std::string& path, const std::string& entry = "");
// The same from bytes in memory; `what` names the source in errors. Given an `owner` that
// keeps the bytes alive and writable, tensors may view them (see decode_storage).
StateDict parse_pth(std::string_view bytes, const std::string& what, const std::string& entry = "",
                    const std::shared_ptr<const void>& owner = nullptr);

// Writes a checkpoint that torch.load + load_state_dict(strict=True) accept: each
// tensor in its recorded file dtype, tensors that share a Storage still sharing one.
// Written to a temporary file renamed into place.
void save_pth(const std::string& path, const StateDict& sd);
std::string serialize_pth(const StateDict& sd, const std::string& archive_name = "archive");

}  // namespace tessera
