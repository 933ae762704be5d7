// Decoded images: 8-bit RGB, rows top to bottom, interleaved (H x W x 3), as PIL's
// Image.convert("RGB") gives them (grayscale replicated, alpha dropped).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::data {

struct Image {
  int64_t width = 0, height = 0;
  std::vector<uint8_t> rgb;  // height * width * 3
  uint8_t at(int64_t y, int64_t x, int c) const { return rgb[(y * width + x) * 3 + c]; }
};

// JPEG (baseline and progressive) via libjpeg-turbo as PIL decodes it (data/jpeg_decode.h);
// PNG (palette, alpha, 16-bit), BMP, GIF, TGA, PPM via stb_image. The format comes from
// the content, not the file name. A file that cannot be decoded (CMYK JPEG, corrupt or
// truncated data) is an Error naming the file and the reason.
Image decode_image(const std::string& path);
Image decode_image_memory(const std::string& bytes, const std::string& what);

}  // namespace tessera::data
