#include <limits>
#include <unordered_map>

#include "weights/mapped_file.h"
#include "weights/element_codec.h"
#include "weights/pickle.h"
#include "weights/pth.h"
#include "weights/zip.h"

namespace tessera {

namespace {

using pickle::Kind;
using pickle::Value;

// Storages are decoded once, on first use, so views of one storage share it.
class StorageLoader {
 public:
  StorageLoader(const ZipReader& zip, std::string prefix, std::shared_ptr<const void> owner)
      : zip_(zip), prefix_(std::move(prefix)), owner_(std::move(owner)) {}

  Tensor tensor(const std::string& name, const pickle::TensorRef& ref) {
    const std::string what = zip_.what() + ": tensor '" + name + "'";
    const pickle::StorageRef& s = *ref.storage;
    const Loaded& storage = load(s, what);

    // The view must lie inside the storage; every step is overflow-checked since the numbers are the file's.
    TESSERA_CHECK(ref.offset >= 0, what, ": negative storage offset ", ref.offset);
    int64_t numel = 1, last = ref.offset;
    for (size_t d = 0; d < ref.shape.size(); ++d) {
      const int64_t size = ref.shape[d], stride = ref.strides[d];
      TESSERA_CHECK(size >= 0 && stride >= 0, what, ": negative size or stride in ", shape_str(ref.shape), " / ",
                    shape_str(ref.strides));
      int64_t span = 0;
      TESSERA_CHECK(!__builtin_mul_overflow(numel, size, &numel) &&
                        (size == 0 || !__builtin_mul_overflow(size - 1, stride, &span)) &&
                        !__builtin_add_overflow(last, span, &last),
                    what, ": size ", shape_str(ref.shape), " with stride ", shape_str(ref.strides), " overflows");
    }
    TESSERA_CHECK(numel == 0 || last < s.numel, what, ": view (offset ", ref.offset, ", size ", shape_str(ref.shape),
                  ", stride ", shape_str(ref.strides), ") reaches element ", last, " of storage data/", s.key,
                  " which holds ", s.numel);
    return Tensor::from_storage(storage.storage, tensor_dtype_for(s.dtype), ref.shape, ref.strides, ref.offset);
  }

 private:
  struct Loaded {
    std::shared_ptr<Storage> storage;
    FileDType dtype;
    int64_t numel;
  };

  const Loaded& load(const pickle::StorageRef& s, const std::string& what) {
    auto it = cache_.find(s.key);
    if (it != cache_.end()) {
      TESSERA_CHECK(it->second.dtype == s.dtype && it->second.numel == s.numel, what, ": storage data/", s.key,
                    " is referenced with two different types or sizes");
      return it->second;
    }
    const ZipEntry* e = zip_.find(prefix_ + "data/" + s.key);
    TESSERA_CHECK(e != nullptr, what, ": its storage data/", s.key, " is missing from the archive");
    const uint64_t esize = file_dtype_size(s.dtype);
    // Compare against the entry's real size before allocating anything for the declared one.
    TESSERA_CHECK(static_cast<uint64_t>(s.numel) <= e->size / esize && e->size == s.numel * esize, what,
                  ": storage data/", s.key, " declares ", s.numel, " ", file_dtype_name(s.dtype), " elements but holds ",
                  e->size, " bytes");
    std::string scratch;
    std::string_view bytes = zip_.read(*e, scratch);
    // A stored entry views the file; an inflated one lives in `scratch`, so it is copied.
    Loaded loaded{decode_storage(bytes, s.dtype, what, e->method == 0 ? owner_ : nullptr), s.dtype, s.numel};
    return cache_.emplace(s.key, std::move(loaded)).first->second;
  }

  const ZipReader& zip_;
  std::string prefix_;
  std::shared_ptr<const void> owner_;
  std::unordered_map<std::string, Loaded> cache_;
};

std::string keys_of(const Value* dict) {
  std::string out;
  for (const auto& [k, v] : dict->entries) {
    if (!out.empty()) out += ", ";
    if (out.size() > 200) return out + "...";
    out += k->kind == Kind::string ? "'" + k->text + "'" : std::string("<") + pickle::kind_name(k->kind) + ">";
  }
  return out.empty() ? "none" : out;
}

const Value* select_state_dict(const Value* root, const std::string& entry, const std::string& what) {
  TESSERA_CHECK(root->kind == Kind::dict, what, ": holds a ", pickle::kind_name(root->kind),
                ", not a dict of tensors");
  if (!entry.empty()) {
    const Value* v = root->get(entry);
    TESSERA_CHECK(v != nullptr, what, ": no entry '", entry, "' in the top-level dict (its keys: ", keys_of(root), ")");
    TESSERA_CHECK(v->kind == Kind::dict, what, ": entry '", entry, "' is a ", pickle::kind_name(v->kind),
                  ", not a state dict");
    return v;
  }
  bool all_tensors = true;
  for (const auto& [k, v] : root->entries) all_tensors &= v->kind == Kind::tensor;
  if (all_tensors) return root;
  for (const char* key : {"state_dict", "model_state_dict", "model"}) {
    const Value* v = root->get(key);
    if (v != nullptr && v->kind == Kind::dict) return v;
  }
  TESSERA_CHECK(false, what, ": the top-level dict is not a state dict and has no 'state_dict' or 'model' entry (its ",
                "keys: ", keys_of(root), "); pick one by name");
  return nullptr;
}

// OrderedDict._metadata: {prefix: {"version": N}}. Optional: anything unexpected drops it.
std::vector<ModuleMetadata> module_metadata(const Value* state_dict) {
  std::vector<ModuleMetadata> out;
  const Value* md = state_dict->dict_state ? state_dict->dict_state->get("_metadata") : nullptr;
  if (md == nullptr || md->kind != Kind::dict) return out;
  for (const auto& [prefix, fields] : md->entries) {
    if (prefix->kind != Kind::string || fields->kind != Kind::dict) return {};
    ModuleMetadata m{prefix->text, {}};
    for (const auto& [k, v] : fields->entries) {
      if (k->kind != Kind::string || v->kind != Kind::integer) return {};
      m.fields.emplace_back(k->text, v->integer);
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

StateDict parse_pth(std::string_view bytes, const std::string& what, const std::string& entry,
                    const std::shared_ptr<const void>& owner) {
  ZipReader zip(bytes, what);
  TESSERA_CHECK(!zip.entries().empty(), what, ": empty zip archive, not a torch.save checkpoint");
  // Every entry sits under one folder named after the file torch.save wrote ("archive" in newer torch).
  const std::string& first = zip.entries().front().name;
  const size_t slash = first.find('/');
  TESSERA_CHECK(slash != std::string::npos, what, ": zip entry '", first, "' is not inside an archive folder; not a ",
                "torch.save checkpoint");
  const std::string prefix = first.substr(0, slash + 1);
  const ZipEntry* pkl = zip.find(prefix + "data.pkl");
  TESSERA_CHECK(pkl != nullptr, what, ": no ", prefix, "data.pkl; not a torch.save checkpoint");
  if (const ZipEntry* order = zip.find(prefix + "byteorder")) {
    const std::string b = zip.read_string(*order);
    TESSERA_CHECK(b == "little", what, ": byteorder is '", b.substr(0, 16), "'; only little-endian is supported");
  }

  if (const ZipEntry* version = zip.find(prefix + "version")) {
    const std::string v = zip.read_string(*version);
    const size_t digits = v.find_first_not_of("0123456789");
    TESSERA_CHECK(digits != 0 && (digits == std::string::npos || v.substr(digits) == "\n"), what,
                  ": version record '", v.substr(0, 16), "' is not a number");
  }

  const std::string program = zip.read_string(*pkl);
  const pickle::Unpickled object = pickle::unpickle(program, what + ": data.pkl");
  const Value* dict = select_state_dict(object.root(), entry, what);

  StorageLoader storages(zip, prefix, owner);
  StateDict sd;
  for (const auto& [key, value] : dict->entries) {
    TESSERA_CHECK(key->kind == Kind::string, what, ": state dict key is a ", pickle::kind_name(key->kind),
                  ", not a string");
    TESSERA_CHECK(value->kind == Kind::tensor, what, ": entry '", key->text, "' is a ", pickle::kind_name(value->kind),
                  ", not a tensor");
    sd.add(key->text, storages.tensor(key->text, *value->tensor), value->tensor->storage->dtype);
  }
  sd.module_metadata = module_metadata(dict);
  return sd;
}

StateDict load_pth(const std::string& path, const std::string& entry) {
  const auto file = std::make_shared<const MappedFile>(path);
  return parse_pth(file->bytes(), path, entry, file);
}

}  // namespace tessera
