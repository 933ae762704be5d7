#include "weights/weights.h"

#include "weights/mapped_file.h"
#include "weights/le_bytes.h"

namespace tessera {

StateDict parse_weights(std::string_view bytes, const std::string& what, const std::string& entry,
                        const std::shared_ptr<const void>& owner) {
  if (bytes.starts_with(std::string_view("PK\x03\x04", 4)) || bytes.starts_with(std::string_view("PK\x05\x06", 4)))
    return parse_pth(bytes, what, entry, owner);
  // safetensors: a plausible header length, then a JSON object.
  if (bytes.size() >= 9 && bytes[8] == '{' && le::load<uint64_t>(bytes, 0) <= bytes.size() - 8) {
    TESSERA_CHECK(entry.empty(), what, ": a safetensors file has no nested entries (asked for '", entry, "')");
    return parse_safetensors(bytes, what, owner);
  }
  TESSERA_CHECK(!(bytes.size() >= 2 && static_cast<uint8_t>(bytes[0]) == 0x80 && bytes[1] <= 5), what,
                ": a legacy (pre-1.6, non-zip) torch.save file; re-save it with a current torch.save");
  TESSERA_CHECK(false, what, ": neither a PyTorch zip checkpoint nor a safetensors file");
  return {};
}

StateDict load_weights(const std::string& path, const std::string& entry) {
  const auto file = std::make_shared<const MappedFile>(path);
  return parse_weights(file->bytes(), path, entry, file);
}

void save_weights(const std::string& path, const StateDict& sd) {
  if (path.ends_with(".safetensors")) save_safetensors(path, sd);
  else save_pth(path, sd);
}

}  // namespace tessera
