// Helpers of the weights/ unit tests: small state dicts, hand-written pickle programs
// and zip archives, so every hostile case is built in memory.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "weights/state_dict.h"
#include "weights/zip.h"

namespace tessera::testing {

// f32 weight, an int64 counter, half values, two views of one storage, a transposed view.
inline StateDict small_state_dict() {
  StateDict sd;
  sd.add("conv.weight", Tensor::from_vector<float>({1.5f, -2.f, 0.25f, 3.f, -0.f, 7.f}, {2, 3}));
  sd.add("bn.num_batches_tracked", Tensor::full({}, 42, DType::i32), FileDType::i64);
  sd.add("half", Tensor::from_vector<float>({0.5f, 65504.f, -1.f / 1024}, {3}), FileDType::f16);
  const Tensor base = Tensor::arange(12).reshape({3, 4});
  sd.add("row", base.select(0, 1));
  sd.add("column", base.select(1, 2));
  sd.add("transposed", Tensor::arange(6).reshape({2, 3}).transpose(0, 1));
  sd.add("mask", Tensor::from_vector<uint8_t>({1, 0, 1}, {3}), FileDType::boolean);
  return sd;
}

inline std::string zip_of(const std::vector<std::pair<std::string, std::string>>& entries) {
  ZipWriter zip;
  for (const auto& [name, data] : entries) zip.add(name, data);
  return zip.finish();
}

// Pickle program pieces (protocol 2), for writing data.pkl by hand.
namespace pk {
inline std::string u32(uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }
inline std::string str(const std::string& s) { return std::string("X") + u32(static_cast<uint32_t>(s.size())) + s; }
inline std::string int1(uint8_t v) { return std::string("K") + static_cast<char>(v); }
inline std::string long8(int64_t v) { return std::string("\x8a\x08", 2) + std::string(reinterpret_cast<const char*>(&v), 8); }
inline const std::string proto = std::string("\x80\x02", 2);
inline const std::string ordered_dict = "ccollections\nOrderedDict\n)R";
// _rebuild_tensor_v2(('storage', torch.<type>, key, 'cpu', numel), offset, size, stride, False, OrderedDict())
inline std::string tensor(const std::string& storage_type, const std::string& key, const std::string& numel,
                          const std::string& offset, const std::string& size, const std::string& stride) {
  return "ctorch._utils\n_rebuild_tensor_v2\n((" + str("storage") + "ctorch\n" + storage_type + "\n" + str(key) +
         str("cpu") + numel + "tQ" + offset + "(" + size + "t(" + stride + "t\x89" + ordered_dict + "tR";
}
// An OrderedDict {name: tensor}, as a whole program.
inline std::string state_dict(const std::string& name, const std::string& tensor_program) {
  return proto + ordered_dict + "(" + str(name) + tensor_program + "u.";
}
}  // namespace pk

// A checkpoint archive holding `pickle` and the given storages (key -> bytes).
inline std::string checkpoint(const std::string& pickle, const std::vector<std::pair<std::string, std::string>>& storages = {}) {
  std::vector<std::pair<std::string, std::string>> entries{{"archive/data.pkl", pickle}};
  for (const auto& [key, bytes] : storages) entries.emplace_back("archive/data/" + key, bytes);
  entries.emplace_back("archive/version", "3\n");
  return zip_of(entries);
}

inline std::string floats(std::vector<float> v) { return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4); }

}  // namespace tessera::testing
