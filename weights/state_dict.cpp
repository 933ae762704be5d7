#include "weights/state_dict.h"

namespace tessera {

const char* file_dtype_name(FileDType t) {
  switch (t) {
    case FileDType::f32: return "float32";
    case FileDType::f16: return "float16";
    case FileDType::bf16: return "bfloat16";
    case FileDType::i64: return "int64";
    case FileDType::i32: return "int32";
    case FileDType::i8: return "int8";
    case FileDType::u8: return "uint8";
    case FileDType::boolean: return "bool";
  }
  return "?";
}

size_t file_dtype_size(FileDType t) {
  switch (t) {
    case FileDType::f32: case FileDType::i32: return 4;
    case FileDType::f16: case FileDType::bf16: return 2;
    case FileDType::i64: return 8;
    case FileDType::i8: case FileDType::u8: case FileDType::boolean: return 1;
  }
  return 0;
}

DType tensor_dtype_for(FileDType t) {
  switch (t) {
    case FileDType::f32: case FileDType::f16: case FileDType::bf16: return DType::f32;
    case FileDType::i64: case FileDType::i32: return DType::i32;
    case FileDType::i8: return DType::i8;
    case FileDType::u8: case FileDType::boolean: return DType::u8;
  }
  return DType::f32;
}

FileDType default_file_dtype(DType t) {
  switch (t) {
    case DType::f32: return FileDType::f32;
    case DType::i32: return FileDType::i32;
    case DType::i8: return FileDType::i8;
    case DType::u8: return FileDType::u8;
  }
  return FileDType::f32;
}

void StateDict::add(std::string name, Tensor tensor) {
  TESSERA_CHECK(tensor.defined(), "state dict: tensor '", name, "' is undefined");
  const FileDType f = default_file_dtype(tensor.dtype());
  add(std::move(name), std::move(tensor), f);
}

void StateDict::add(std::string name, Tensor tensor, FileDType file_dtype) {
  TESSERA_CHECK(tensor.defined(), "state dict: tensor '", name, "' is undefined");
  TESSERA_CHECK(tensor_dtype_for(file_dtype) == tensor.dtype(), "state dict: tensor '", name, "' is ",
                dtype_name(tensor.dtype()), " and cannot be stored as ", file_dtype_name(file_dtype));
  TESSERA_CHECK(!contains(name), "state dict: duplicate name '", name, "'");
  index_.emplace(name, entries_.size());
  entries_.push_back({std::move(name), std::move(tensor), file_dtype});
}

void StateDict::set(const std::string& name, Tensor tensor) {
  auto it = index_.find(name);
  TESSERA_CHECK(it != index_.end(), "state dict: no tensor named '", name, "'");
  StateEntry& e = entries_[it->second];
  TESSERA_CHECK(tensor.defined() && tensor.dtype() == tensor_dtype_for(e.file_dtype), "state dict: tensor '", name,
                "' must stay ", dtype_name(tensor_dtype_for(e.file_dtype)));
  e.tensor = std::move(tensor);
}

const StateEntry* StateDict::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

const Tensor& StateDict::at(const std::string& name) const {
  const StateEntry* e = find(name);
  TESSERA_CHECK(e != nullptr, "state dict: no tensor named '", name, "' (it holds ", entries_.size(), " tensors)");
  return e->tensor;
}

std::vector<std::string> StateDict::names() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) out.push_back(e.name);
  return out;
}

}  // namespace tessera
