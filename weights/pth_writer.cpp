#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>

#include "tensor/npy.h"
#include "weights/element_codec.h"
#include "weights/pickle.h"
#include "weights/pth.h"
#include "weights/zip.h"

namespace tessera {

namespace {

const char* storage_class(FileDType t) {
  switch (t) {
    case FileDType::f32: return "FloatStorage";
    case FileDType::f16: return "HalfStorage";
    case FileDType::bf16: return "BFloat16Storage";
    case FileDType::i64: return "LongStorage";
    case FileDType::i32: return "IntStorage";
    case FileDType::i8: return "CharStorage";
    case FileDType::u8: return "ByteStorage";
    case FileDType::boolean: return "BoolStorage";
  }
  return "?";
}

// One storage written to data/<key>: either the span [first, end) of a Tessera Storage
// that one or more tensors view (so views stay views), or a contiguous copy of one tensor.
struct StorageToWrite {
  FileDType dtype;
  int64_t first = 0, end = 0;
  Tensor copy;  // defined for a contiguous copy
  const Storage* shared = nullptr;
};

struct TensorPlacement {
  size_t storage;
  int64_t offset;
  Shape strides;
};

void plan_storages(const StateDict& sd, std::vector<StorageToWrite>& storages, std::vector<TensorPlacement>& placed) {
  std::map<std::pair<const Storage*, FileDType>, size_t> by_storage;
  for (const StateEntry& e : sd) {
    const Tensor& t = e.tensor;
    bool viewable = t.numel() > 0;
    for (int64_t s : t.strides()) viewable &= s >= 0;
    if (!viewable) {  // empty, or strides a torch storage view cannot express: write a contiguous copy
      placed.push_back({storages.size(), 0, contiguous_strides(t.shape())});
      storages.push_back({e.file_dtype, 0, t.numel(), t.contiguous(), nullptr});
      continue;
    }
    int64_t last = t.offset();
    for (int64_t d = 0; d < t.dim(); ++d) last += (t.size(d) - 1) * t.stride(d);
    auto [it, fresh] = by_storage.emplace(std::make_pair(t.storage().get(), e.file_dtype), storages.size());
    if (fresh) storages.push_back({e.file_dtype, t.offset(), last + 1, Tensor(), t.storage().get()});
    StorageToWrite& s = storages[it->second];
    s.first = std::min(s.first, t.offset());
    s.end = std::max(s.end, last + 1);
    placed.push_back({it->second, t.offset(), t.strides()});
  }
  for (size_t i = 0; i < placed.size(); ++i) {
    const StorageToWrite& s = storages[placed[i].storage];
    if (s.shared) placed[i].offset -= s.first;
  }
}

}  // namespace

std::string serialize_pth(const StateDict& sd, const std::string& archive_name) {
  std::vector<StorageToWrite> storages;
  std::vector<TensorPlacement> placed;
  plan_storages(sd, storages, placed);

  pickle::Writer p;
  p.global("collections", "OrderedDict");
  p.empty_tuple();
  p.reduce();
  constexpr size_t kBatch = 1000;  // SETITEMS batches, as Python's pickler writes them
  for (size_t i = 0; i < sd.size(); ++i) {
    if (i % kBatch == 0) p.mark();
    const StateEntry& e = sd.entries()[i];
    const TensorPlacement& where = placed[i];
    const StorageToWrite& s = storages[where.storage];
    p.string(e.name);
    p.global("torch._utils", "_rebuild_tensor_v2");
    p.mark();
    p.mark();  // persistent id: ('storage', torch.<Type>Storage, key, location, numel)
    p.string("storage");
    p.global("torch", storage_class(s.dtype));
    p.string(std::to_string(where.storage));
    p.string("cpu");
    p.integer(s.end - s.first);
    p.tuple();
    p.persistent_id();
    p.integer(where.offset);
    p.mark();
    for (int64_t d : e.tensor.shape()) p.integer(d);
    p.tuple();
    p.mark();
    for (int64_t d : where.strides) p.integer(d);
    p.tuple();
    p.boolean(false);  // requires_grad
    p.global("collections", "OrderedDict");  // backward hooks: none
    p.empty_tuple();
    p.reduce();
    p.tuple();
    p.reduce();
    if (i % kBatch == kBatch - 1 || i + 1 == sd.size()) p.setitems();
  }
  if (!sd.module_metadata.empty()) {  // root.__dict__ = {"_metadata": OrderedDict(prefix -> {field: int})}
    p.empty_dict();
    p.string("_metadata");
    p.global("collections", "OrderedDict");
    p.empty_tuple();
    p.reduce();
    for (const ModuleMetadata& m : sd.module_metadata) {
      p.string(m.prefix);
      p.empty_dict();
      for (const auto& [k, v] : m.fields) {
        p.string(k);
        p.integer(v);
        p.setitem();
      }
      p.setitem();
    }
    p.setitem();
    p.build();
  }

  const std::string prefix = archive_name + "/";
  ZipWriter zip;
  size_t total = 4096;
  for (const StorageToWrite& s : storages)
    total += static_cast<size_t>(s.end - s.first) * file_dtype_size(s.dtype) + 2 * ZipWriter::kDataAlignment + 128;
  zip.reserve(total + 256 * sd.size());
  zip.add(prefix + "data.pkl", p.finish());
  zip.add(prefix + "byteorder", "little");
  std::string data;
  for (size_t key = 0; key < storages.size(); ++key) {
    const StorageToWrite& s = storages[key];
    data.clear();
    const Tensor& source = s.copy;
    if (s.shared) {
      const DType dtype = tensor_dtype_for(s.dtype);
      const char* base = static_cast<const char*>(s.shared->data()) + s.first * dtype_size(dtype);
      encode_elements(base, dtype, s.dtype, static_cast<size_t>(s.end - s.first), data);
    } else {
      encode_elements(source.raw_data(), source.dtype(), s.dtype, static_cast<size_t>(source.numel()), data);
    }
    zip.add(prefix + "data/" + std::to_string(key), data);
  }
  zip.add(prefix + "version", "3\n");
  return zip.finish();
}

void save_pth(const std::string& path, const StateDict& sd) {
  // torch names the archive folder after the file; any folder name loads.
  std::string stem = std::filesystem::path(path).stem().string();
  for (char& c : stem)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
  write_file_atomic(path, serialize_pth(sd, stem.empty() ? "archive" : stem));
}

}  // namespace tessera
