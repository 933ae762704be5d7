#include "data/jpeg_decode.h"

#include <csetjmp>
#include <cstdio>

extern "C" {
#include <jpeglib.h>
}

#include "tensor/error.h"

namespace tessera::data {

namespace {

struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void on_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void on_message(j_common_ptr, int) {}  // warnings (e.g. premature end) are not fatal, as in PIL

// Decodes into `rgb`; returns false with `err.message` set on failure. Only C types live
// in this frame, so the longjmp out of libjpeg skips no destructors.
bool decode_into(const unsigned char* data, unsigned long size, Image* out, unsigned char** rgb, ErrorManager& err,
                 const char** unsupported) {
  jpeg_decompress_struct cinfo;
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = on_error;
  err.pub.emit_message = on_message;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, size);
  jpeg_read_header(&cinfo, TRUE);
  if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
    *unsupported = "CMYK JPEG is not supported";
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  cinfo.out_color_space = JCS_RGB;  // grayscale is replicated, like convert("RGB")
  cinfo.dct_method = JDCT_ISLOW;
  cinfo.do_fancy_upsampling = TRUE;
  jpeg_start_decompress(&cinfo);
  out->width = cinfo.output_width;
  out->height = cinfo.output_height;
  out->rgb.resize(static_cast<size_t>(out->width) * out->height * 3);
  *rgb = out->rgb.data();
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = *rgb + static_cast<size_t>(cinfo.output_scanline) * out->width * 3;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

}  // namespace

bool looks_like_jpeg(const std::string& bytes) {
  return bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
         static_cast<unsigned char>(bytes[1]) == 0xD8 && static_cast<unsigned char>(bytes[2]) == 0xFF;
}

Image decode_jpeg(const std::string& bytes, const std::string& what) {
  Image img;
  unsigned char* rgb = nullptr;
  ErrorManager err{};
  const char* unsupported = nullptr;
  const bool ok = decode_into(reinterpret_cast<const unsigned char*>(bytes.data()),
                              static_cast<unsigned long>(bytes.size()), &img, &rgb, err, &unsupported);
  TESSERA_CHECK(ok, what, ": cannot decode JPEG (", unsupported ? unsupported : err.message, ")");
  return img;
}

}  // namespace tessera::data
