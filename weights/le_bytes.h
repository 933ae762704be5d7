// Little-endian integers in byte buffers: the zip, pickle and safetensors layers share these.
// Callers check bounds before reading.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tessera::le {

template <typename T>
inline T load(std::string_view bytes, size_t pos) {
  T v;
  std::memcpy(&v, bytes.data() + pos, sizeof(T));
  return v;  // the host is little-endian (checked in element_codec.cpp)
}

template <typename T>
inline void append(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

}  // namespace tessera::le
