#include "tensor/npy.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <unistd.h>

namespace tessera {

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  TESSERA_CHECK(f, path, ": cannot open (", std::strerror(errno), ")");
  std::ostringstream ss;
  ss << f.rdbuf();
  TESSERA_CHECK(!f.bad(), path, ": read error");
  return ss.str();
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    TESSERA_CHECK(f, path, ": cannot write (", std::strerror(errno), ")");
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    f.flush();
    if (!f) {
      std::remove(tmp.c_str());
      TESSERA_CHECK(false, path, ": write failed (disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    TESSERA_CHECK(false, path, ": cannot rename temporary file into place (", std::strerror(err), ")");
  }
}

namespace {

struct Header {
  std::string descr;
  bool fortran = false;
  Shape shape;
};

// Finds the value text after 'key': in the header dict.
std::string dict_value(const std::string& h, const std::string& key, const std::string& what) {
  const std::string k = "'" + key + "'";
  const size_t p = h.find(k);
  TESSERA_CHECK(p != std::string::npos, what, ": malformed .npy header, no ", k, " key");
  size_t v = h.find(':', p + k.size());
  TESSERA_CHECK(v != std::string::npos, what, ": malformed .npy header after ", k);
  ++v;
  while (v < h.size() && h[v] == ' ') ++v;
  return h.substr(v);
}

Header parse_header(const std::string& h, const std::string& what) {
  Header out;
  std::string d = dict_value(h, "descr", what);
  TESSERA_CHECK(!d.empty() && d[0] == '\'', what, ": malformed .npy header, descr is not a string");
  const size_t end = d.find('\'', 1);
  TESSERA_CHECK(end != std::string::npos, what, ": malformed .npy header, unterminated descr");
  out.descr = d.substr(1, end - 1);

  const std::string f = dict_value(h, "fortran_order", what);
  if (f.rfind("True", 0) == 0) out.fortran = true;
  else TESSERA_CHECK(f.rfind("False", 0) == 0, what, ": malformed .npy header, fortran_order is not True/False");

  const std::string s = dict_value(h, "shape", what);
  TESSERA_CHECK(!s.empty() && s[0] == '(', what, ": malformed .npy header, shape is not a tuple");
  const size_t close = s.find(')');
  TESSERA_CHECK(close != std::string::npos, what, ": malformed .npy header, unterminated shape");
  std::string inner = s.substr(1, close - 1);
  size_t i = 0;
  while (i < inner.size()) {
    while (i < inner.size() && (inner[i] == ' ' || inner[i] == ',')) ++i;
    if (i >= inner.size()) break;
    size_t j = i;
    while (j < inner.size() && inner[j] >= '0' && inner[j] <= '9') ++j;
    TESSERA_CHECK(j > i && j - i <= 18, what, ": malformed .npy header, bad dimension in shape (", inner, ")");
    out.shape.push_back(std::stoll(inner.substr(i, j - i)));
    i = j;
    if (i < inner.size() && inner[i] == 'L') ++i;  // Python 2 longs
  }
  TESSERA_CHECK(out.shape.size() <= 16, what, ": .npy array has ", out.shape.size(), " dimensions (at most 16)");
  return out;
}

bool host_little_endian() {
  const uint16_t x = 1;
  uint8_t b;
  std::memcpy(&b, &x, 1);
  return b == 1;
}

}  // namespace

Tensor parse_npy(const std::string& bytes, const std::string& what) {
  static const char kMagic[] = "\x93NUMPY";
  TESSERA_CHECK(bytes.size() >= 10 && bytes.compare(0, 6, kMagic, 6) == 0, what,
                ": not a .npy file (bad magic)");
  const uint8_t major = static_cast<uint8_t>(bytes[6]);
  size_t header_len = 0, pos = 0;
  if (major == 1) {
    header_len = static_cast<uint8_t>(bytes[8]) | (static_cast<uint8_t>(bytes[9]) << 8);
    pos = 10;
  } else if (major == 2 || major == 3) {
    TESSERA_CHECK(bytes.size() >= 12, what, ": truncated .npy header");
    for (int i = 3; i >= 0; --i) header_len = (header_len << 8) | static_cast<uint8_t>(bytes[8 + i]);
    pos = 12;
  } else {
    TESSERA_CHECK(false, what, ": unsupported .npy format version ", int(major));
  }
  TESSERA_CHECK(header_len <= bytes.size() - pos, what, ": truncated .npy header (declares ", header_len,
                " bytes)");
  const Header h = parse_header(bytes.substr(pos, header_len), what);
  pos += header_len;

  // dtype: byte order char + kind + size
  TESSERA_CHECK(h.descr.size() >= 3, what, ": unsupported .npy dtype '", h.descr, "'");
  const char order = h.descr[0];
  const std::string kind = h.descr.substr(1);
  TESSERA_CHECK(order == '<' || order == '>' || order == '|' || order == '=', what, ": unsupported .npy dtype '",
                h.descr, "'");
  const bool swap = (order == '>') == host_little_endian() && order != '|' && order != '=';
  size_t itemsize;
  DType dtype;
  bool narrow_i64 = false;
  if (kind == "f4") { dtype = DType::f32; itemsize = 4; }
  else if (kind == "i4") { dtype = DType::i32; itemsize = 4; }
  else if (kind == "i1") { dtype = DType::i8; itemsize = 1; }
  else if (kind == "u1" || kind == "b1") { dtype = DType::u8; itemsize = 1; }
  else if (kind == "i8") { dtype = DType::i32; itemsize = 8; narrow_i64 = true; }
  else if (kind == "f8")
    throw Error(what + ": float64 arrays are not supported; save with x.astype(np.float32)");
  else if (kind == "f2")
    throw Error(what + ": float16 arrays are not supported; save with x.astype(np.float32)");
  else
    throw Error(what + ": unsupported .npy dtype '" + h.descr + "' (float32, int32, int64, int8, uint8, bool)");

  const int64_t n = shape_numel(h.shape);
  // Validate the data size before allocating anything.
  const size_t avail = bytes.size() - pos;
  TESSERA_CHECK(static_cast<uint64_t>(n) <= avail / itemsize, what, ": truncated .npy data (shape ",
                shape_str(h.shape), " needs ", static_cast<uint64_t>(n) * itemsize, " bytes, file has ", avail, ")");
  TESSERA_CHECK(static_cast<uint64_t>(n) * itemsize == avail, what, ": .npy file has ",
                avail - static_cast<uint64_t>(n) * itemsize, " trailing bytes after the data of shape ",
                shape_str(h.shape));

  // Fortran order: the bytes are the C-order array of the reversed shape, transposed.
  Shape storage_shape = h.shape;
  if (h.fortran) std::reverse(storage_shape.begin(), storage_shape.end());
  Tensor t = Tensor::empty(storage_shape, dtype);
  const char* src = bytes.data() + pos;
  if (narrow_i64) {
    int32_t* dst = t.data<int32_t>();
    for (int64_t i = 0; i < n; ++i) {
      uint8_t b[8];
      std::memcpy(b, src + i * 8, 8);
      if (swap) std::reverse(b, b + 8);
      int64_t v;
      std::memcpy(&v, b, 8);
      TESSERA_CHECK(v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max(), what,
                    ": int64 value ", v, " at index ", i, " does not fit in int32");
      dst[i] = static_cast<int32_t>(v);
    }
  } else {
    std::memcpy(t.raw_data(), src, static_cast<size_t>(n) * itemsize);
    if (swap && itemsize > 1) {
      char* p = static_cast<char*>(t.raw_data());
      for (int64_t i = 0; i < n; ++i) std::reverse(p + i * itemsize, p + (i + 1) * itemsize);
    }
  }
  if (kind == "b1") {
    uint8_t* p = t.data<uint8_t>();
    for (int64_t i = 0; i < n; ++i) p[i] = p[i] ? 1 : 0;
  }
  if (h.fortran && t.dim() > 1) {
    Shape order(t.dim());
    for (int64_t i = 0; i < t.dim(); ++i) order[i] = t.dim() - 1 - i;
    t = t.permute(order).contiguous();
  }
  return t;
}

Tensor read_npy(const std::string& path) { return parse_npy(read_file(path), path); }

std::string serialize_npy(const Tensor& t) {
  TESSERA_CHECK(t.defined(), "write_npy: undefined tensor");
  TESSERA_CHECK(host_little_endian(), "write_npy: big-endian hosts are not supported");
  const char* descr = nullptr;
  switch (t.dtype()) {
    case DType::f32: descr = "<f4"; break;
    case DType::i32: descr = "<i4"; break;
    case DType::i8: descr = "|i1"; break;
    case DType::u8: descr = "|u1"; break;
  }
  std::ostringstream h;
  h << "{'descr': '" << descr << "', 'fortran_order': False, 'shape': (";
  for (int64_t i = 0; i < t.dim(); ++i) h << t.size(i) << (t.dim() == 1 || i + 1 < t.dim() ? "," : "")
                                           << (i + 1 < t.dim() ? " " : "");
  h << "), }";
  std::string header = h.str();
  // Pad with spaces + '\n' so the data starts on a 64-byte boundary (numpy does the same).
  size_t prefix = 10;
  size_t total = prefix + header.size() + 1;
  size_t padded = (total + 63) / 64 * 64;
  uint8_t major = 1;
  if (padded - prefix > 65535) {
    major = 2;
    prefix = 12;
    total = prefix + header.size() + 1;
    padded = (total + 63) / 64 * 64;
  }
  header.append(padded - total, ' ');
  header.push_back('\n');
  std::string out("\x93NUMPY", 6);
  out.push_back(static_cast<char>(major));
  out.push_back(0);
  const size_t len = header.size();
  out.push_back(static_cast<char>(len & 0xff));
  out.push_back(static_cast<char>((len >> 8) & 0xff));
  if (major == 2) {
    out.push_back(static_cast<char>((len >> 16) & 0xff));
    out.push_back(static_cast<char>((len >> 24) & 0xff));
  }
  out += header;
  const Tensor c = t.contiguous();
  out.append(static_cast<const char*>(c.raw_data()), c.nbytes());
  return out;
}

void write_npy(const std::string& path, const Tensor& t) { write_file_atomic(path, serialize_npy(t)); }

}  // namespace tessera
