#include "weights/element_codec.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <limits>

#include "tensor/error.h"

namespace tessera {

static_assert(std::endian::native == std::endian::little, "weight files are little-endian; so must the host be");

float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exponent = (h >> 10) & 0x1f;
  const uint32_t mantissa = h & 0x3ff;
  if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24, exact in float
    const float v = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -v : v;
  }
  if (exponent == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

uint16_t f32_to_f16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  const uint32_t magnitude = x & 0x7fffffff;
  if (magnitude >= 0x7f800000) {  // inf stays inf; NaN stays a (quiet) NaN with its top payload bits
    return sign | (magnitude > 0x7f800000 ? static_cast<uint16_t>(0x7e00 | ((magnitude >> 13) & 0x3ff)) : 0x7c00);
  }
  if (magnitude >= 0x477ff000) return sign | 0x7c00;  // >= 65520 rounds to inf
  if (magnitude < 0x38800000) {                       // below 2^-14: a half subnormal (or zero)
    // Scaling by 2^24 is exact; nearbyint rounds half to even in the default mode.
    const float scaled = std::bit_cast<float>(magnitude) * 16777216.0f;
    return sign | static_cast<uint16_t>(std::nearbyint(scaled));
  }
  const uint32_t rebased = magnitude - 0x38000000;  // exponent bias 127 -> 15
  uint32_t half = rebased >> 13;
  const uint32_t rest = rebased & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) ++half;  // a carry into the exponent is correct
  return sign | static_cast<uint16_t>(half);
}

float bf16_to_f32(uint16_t h) { return std::bit_cast<float>(static_cast<uint32_t>(h) << 16); }

uint16_t f32_to_bf16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7fffffff) > 0x7f800000) return static_cast<uint16_t>((x >> 16) | 0x40);  // quiet NaN
  return static_cast<uint16_t>((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

std::shared_ptr<Storage> decode_storage(std::string_view bytes, FileDType from, const std::string& what,
                                        const std::shared_ptr<const void>& owner) {
  const size_t esize = file_dtype_size(from);
  TESSERA_CHECK(bytes.size() % esize == 0, what, ": ", bytes.size(), " bytes is not a whole number of ",
                file_dtype_name(from), " elements");
  const size_t count = bytes.size() / esize;
  const bool as_stored = from == FileDType::f32 || from == FileDType::i32 || from == FileDType::i8 || from == FileDType::u8;
  if (owner && as_stored && count > 0 && reinterpret_cast<uintptr_t>(bytes.data()) % Storage::kAlignment == 0)
    return Storage::wrap(const_cast<char*>(bytes.data()), bytes.size(), [owner](void*) {});
  auto storage = Storage::allocate(count * dtype_size(tensor_dtype_for(from)));
  const char* src = bytes.data();
  void* dst = storage->data();
  switch (from) {
    case FileDType::f32: case FileDType::i32: case FileDType::i8: case FileDType::u8:
      if (count) std::memcpy(dst, src, bytes.size());
      break;
    case FileDType::f16: case FileDType::bf16: {
      float* out = static_cast<float*>(dst);
      for (size_t i = 0; i < count; ++i) {
        uint16_t h;
        std::memcpy(&h, src + 2 * i, 2);
        out[i] = from == FileDType::f16 ? f16_to_f32(h) : bf16_to_f32(h);
      }
      break;
    }
    case FileDType::i64: {
      int32_t* out = static_cast<int32_t*>(dst);
      for (size_t i = 0; i < count; ++i) {
        int64_t v;
        std::memcpy(&v, src + 8 * i, 8);
        TESSERA_CHECK(v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max(), what,
                      ": int64 value ", v, " at element ", i, " does not fit int32");
        out[i] = static_cast<int32_t>(v);
      }
      break;
    }
    case FileDType::boolean: {
      uint8_t* out = static_cast<uint8_t*>(dst);
      for (size_t i = 0; i < count; ++i) out[i] = src[i] != 0;
      break;
    }
  }
  return storage;
}

void encode_elements(const void* src, DType from, FileDType to, size_t count, std::string& out) {
  TESSERA_CHECK(tensor_dtype_for(to) == from, "cannot store ", dtype_name(from), " elements as ", file_dtype_name(to));
  const size_t start = out.size();
  out.resize(start + count * file_dtype_size(to));
  char* dst = out.data() + start;
  switch (to) {
    case FileDType::f32: case FileDType::i32: case FileDType::i8: case FileDType::u8:
      if (count) std::memcpy(dst, src, count * file_dtype_size(to));
      break;
    case FileDType::f16: case FileDType::bf16: {
      const float* in = static_cast<const float*>(src);
      for (size_t i = 0; i < count; ++i) {
        const uint16_t h = to == FileDType::f16 ? f32_to_f16(in[i]) : f32_to_bf16(in[i]);
        std::memcpy(dst + 2 * i, &h, 2);
      }
      break;
    }
    case FileDType::i64: {
      const int32_t* in = static_cast<const int32_t*>(src);
      for (size_t i = 0; i < count; ++i) {
        const int64_t v = in[i];
        std::memcpy(dst + 8 * i, &v, 8);
      }
      break;
    }
    case FileDType::boolean: {
      const uint8_t* in = static_cast<const uint8_t*>(src);
      for (size_t i = 0; i < count; ++i) dst[i] = in[i] != 0;
      break;
    }
  }
}

}  // namespace tessera
