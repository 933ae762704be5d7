#include "weights/safetensors.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "tensor/npy.h"
#include "weights/mapped_file.h"
#include "weights/element_codec.h"
#include "weights/le_bytes.h"

namespace tessera {

namespace {

using Json = nlohmann::ordered_json;  // keeps the header's order for ties and for writing

constexpr uint64_t kMaxHeader = 100u << 20;  // the reference implementation's limit

struct DTypeName {
  const char* name;
  FileDType dtype;
};
constexpr DTypeName kDTypes[] = {{"F32", FileDType::f32}, {"F16", FileDType::f16}, {"BF16", FileDType::bf16},
                                 {"I64", FileDType::i64}, {"I32", FileDType::i32}, {"I8", FileDType::i8},
                                 {"U8", FileDType::u8},   {"BOOL", FileDType::boolean}};

struct Declared {
  std::string name;
  FileDType dtype;
  Shape shape;
  uint64_t begin, end;
};

Declared declared_tensor(const std::string& name, const Json& j, const std::string& what) {
  const std::string where = what + ": tensor '" + name + "'";
  TESSERA_CHECK(j.is_object() && j.contains("dtype") && j.contains("shape") && j.contains("data_offsets"), where,
                ": header entry needs dtype, shape and data_offsets");
  const Json& dtype = j["dtype"];
  TESSERA_CHECK(dtype.is_string(), where, ": dtype is not a string");
  Declared d{name, FileDType::f32, {}, 0, 0};
  const std::string dtype_text = dtype.get<std::string>();
  auto known = std::find_if(std::begin(kDTypes), std::end(kDTypes), [&](const DTypeName& n) { return dtype_text == n.name; });
  TESSERA_CHECK(known != std::end(kDTypes), where, ": dtype ", dtype_text,
                " is not supported (F32, F16, BF16, I64, I32, I8, U8, BOOL are)");
  d.dtype = known->dtype;
  const Json& shape = j["shape"];
  TESSERA_CHECK(shape.is_array(), where, ": shape is not a list");
  uint64_t numel = 1;
  for (const Json& s : shape) {
    TESSERA_CHECK(s.is_number_unsigned() && s.get<uint64_t>() <= uint64_t{INT64_MAX}, where,
                  ": shape holds something other than a non-negative integer");
    d.shape.push_back(s.get<int64_t>());
    TESSERA_CHECK(!__builtin_mul_overflow(numel, s.get<uint64_t>(), &numel), where, ": shape overflows");
  }
  const Json& offsets = j["data_offsets"];
  TESSERA_CHECK(offsets.is_array() && offsets.size() == 2 && offsets[0].is_number_unsigned() &&
                    offsets[1].is_number_unsigned(),
                where, ": data_offsets is not a pair of non-negative integers");
  d.begin = offsets[0].get<uint64_t>();
  d.end = offsets[1].get<uint64_t>();
  uint64_t nbytes = 0;
  TESSERA_CHECK(d.begin <= d.end && !__builtin_mul_overflow(numel, file_dtype_size(d.dtype), &nbytes) &&
                    d.end - d.begin == nbytes,
                where, ": data_offsets [", d.begin, ", ", d.end, ") do not hold ", numel, " ", dtype_text, " elements");
  return d;
}

}  // namespace

StateDict parse_safetensors(std::string_view bytes, const std::string& what, const std::shared_ptr<const void>& owner) {
  TESSERA_CHECK(bytes.size() >= 8, what, ": too short for a safetensors file (", bytes.size(), " bytes)");
  const uint64_t header_len = le::load<uint64_t>(bytes, 0);
  TESSERA_CHECK(header_len <= bytes.size() - 8, what, ": header length ", header_len, " exceeds the file (",
                bytes.size(), " bytes): truncated or not safetensors");
  TESSERA_CHECK(header_len <= kMaxHeader, what, ": header of ", header_len, " bytes is larger than 100 MiB");
  Json header;
  try {
    header = Json::parse(bytes.substr(8, header_len));
  } catch (const Json::exception& e) {
    throw Error(detail::concat(what, ": header is not valid JSON (", e.what(), ")"));
  }
  TESSERA_CHECK(header.is_object(), what, ": header is not a JSON object");
  const std::string_view buffer = bytes.substr(8 + header_len);

  StateDict sd;
  std::vector<Declared> tensors;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      TESSERA_CHECK(value.is_object(), what, ": __metadata__ is not an object");
      for (const auto& [k, v] : value.items()) {
        TESSERA_CHECK(v.is_string(), what, ": __metadata__ value of '", k, "' is not a string");
        sd.text_metadata.emplace_back(k, v.get<std::string>());
      }
      continue;
    }
    tensors.push_back(declared_tensor(name, value, what));
  }

  // The tensors must tile the buffer exactly: sorted by offset, each begins where the last ended.
  std::stable_sort(tensors.begin(), tensors.end(), [](const Declared& a, const Declared& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected = 0;
  for (const Declared& d : tensors) {
    TESSERA_CHECK(d.begin == expected, what, ": tensor '", d.name, "' starts at byte ", d.begin, " of the data, not ",
                  expected, " (", d.begin < expected ? "overlap" : "gap", ")");
    expected = d.end;
  }
  TESSERA_CHECK(expected == buffer.size(), what, ": tensors cover ", expected, " bytes but the data holds ",
                buffer.size(), expected > buffer.size() ? " (truncated?)" : " (trailing bytes)");

  for (const Declared& d : tensors) {
    const std::string where = what + ": tensor '" + d.name + "'";
    auto storage = decode_storage(buffer.substr(d.begin, d.end - d.begin), d.dtype, where, owner);
    sd.add(d.name, Tensor::from_storage(storage, tensor_dtype_for(d.dtype), d.shape, contiguous_strides(d.shape)),
           d.dtype);
  }
  return sd;
}

StateDict load_safetensors(const std::string& path) {
  const auto file = std::make_shared<const MappedFile>(path);
  return parse_safetensors(file->bytes(), path, file);
}

std::string serialize_safetensors(const StateDict& sd) {
  Json header = Json::object();
  if (!sd.text_metadata.empty()) {
    Json md = Json::object();
    for (const auto& [k, v] : sd.text_metadata) md[k] = v;
    header["__metadata__"] = md;
  }
  std::string data;
  for (const StateEntry& e : sd) {
    TESSERA_CHECK(e.name != "__metadata__", "safetensors: a tensor cannot be named __metadata__");
    const Tensor c = e.tensor.contiguous();
    const uint64_t begin = data.size();
    encode_elements(c.raw_data(), c.dtype(), e.file_dtype, static_cast<size_t>(c.numel()), data);
    const char* name = "?";
    for (const auto& n : kDTypes)
      if (n.dtype == e.file_dtype) name = n.name;
    header[e.name] = {{"dtype", name}, {"shape", e.tensor.shape()}, {"data_offsets", {begin, uint64_t{data.size()}}}};
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // so the data starts 8-byte aligned, as the reference writer does
  std::string out;
  le::append<uint64_t>(out, text.size());
  return out + text + data;
}

void save_safetensors(const std::string& path, const StateDict& sd) { write_file_atomic(path, serialize_safetensors(sd)); }

}  // namespace tessera
