// JPEG decoding with libjpeg(-turbo), the decoder PIL itself uses, with PIL's settings
// (integer slow DCT, fancy upsampling): decoded pixels are bit-identical to
// Image.open(f).convert("RGB"), where stb_image's own decoder differs by up to 3 levels.
#pragma once
#include <string>

#include "data/image.h"

namespace tessera::data {

bool looks_like_jpeg(const std::string& bytes);
Image decode_jpeg(const std::string& bytes, const std::string& what);

}  // namespace tessera::data
