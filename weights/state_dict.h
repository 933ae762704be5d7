// StateDict: an insertion-ordered name -> Tensor map, as torch's state_dict() is.
//
// Each entry remembers the element type the file held (`FileDType`), which may be
// wider or narrower than the Tensor's: float16/bfloat16 load as f32, int64 as i32,
// bool as u8. Writers use it to store each tensor back the way it came (BatchNorm's
// num_batches_tracked stays int64, a half checkpoint stays half).
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace tessera {

enum class FileDType : uint8_t { f32, f16, bf16, i64, i32, i8, u8, boolean };

const char* file_dtype_name(FileDType t);  // torch spelling: "float32", "float16", "bool", ...
size_t file_dtype_size(FileDType t);
DType tensor_dtype_for(FileDType t);        // the Tensor dtype a file dtype loads as
FileDType default_file_dtype(DType t);      // f32 -> float32, i32 -> int32, ...

struct StateEntry {
  std::string name;
  Tensor tensor;
  FileDType file_dtype;
};

// The .pth OrderedDict's `_metadata` attribute: per module prefix, small integer fields
// (torch records {"version": N}); kept so a re-saved checkpoint carries it too.
struct ModuleMetadata {
  std::string prefix;
  std::vector<std::pair<std::string, int64_t>> fields;
};

class StateDict {
 public:
  // Appends; throws on a duplicate name or a file dtype the tensor's dtype cannot hold.
  void add(std::string name, Tensor tensor);
  void add(std::string name, Tensor tensor, FileDType file_dtype);
  // Replaces the tensor under an existing name, keeping its position and file dtype.
  void set(const std::string& name, Tensor tensor);

  bool contains(const std::string& name) const { return index_.count(name) != 0; }
  const StateEntry* find(const std::string& name) const;
  const Tensor& at(const std::string& name) const;  // throws naming the missing key
  std::vector<std::string> names() const;

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const std::vector<StateEntry>& entries() const { return entries_; }
  std::vector<StateEntry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<StateEntry>::const_iterator end() const { return entries_.end(); }

  std::vector<ModuleMetadata> module_metadata;                   // .pth only, optional
  std::vector<std::pair<std::string, std::string>> text_metadata;  // safetensors __metadata__

 private:
  std::vector<StateEntry> entries_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace tessera
