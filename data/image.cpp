#include "data/image.h"

#include <cstring>
#include <memory>

#include "data/jpeg_decode.h"
#include "tensor/error.h"
#include "tensor/npy.h"

extern "C" {
#include <stb_image.h>
}

namespace tessera::data {

Image decode_image_memory(const std::string& bytes, const std::string& what) {
  TESSERA_CHECK(!bytes.empty(), what, ": empty file");
  if (looks_like_jpeg(bytes)) return decode_jpeg(bytes, what);  // whatever the file's name says
  TESSERA_CHECK(bytes.size() < (size_t(1) << 31), what, ": file too large to decode (", bytes.size(), " bytes)");
  int w = 0, h = 0, channels = 0;
  // Ask for 3 channels: stb replicates gray and drops alpha, like PIL's convert("RGB").
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()), static_cast<int>(bytes.size()), &w, &h,
                            &channels, 3),
      stbi_image_free);
  TESSERA_CHECK(pixels != nullptr, what, ": cannot decode image (", stbi_failure_reason(), ")");
  Image img;
  img.width = w;
  img.height = h;
  img.rgb.assign(pixels.get(), pixels.get() + static_cast<size_t>(w) * h * 3);
  return img;
}

Image decode_image(const std::string& path) { return decode_image_memory(read_file(path), path); }

}  // namespace tessera::data
