// The subset of Python's pickle that torch.save uses for state dicts and checkpoints.
//
// This is an interpreter for a closed set of opcodes (protocols 2-4) and globals:
// collections.OrderedDict, torch._utils._rebuild_tensor_v2 / _rebuild_parameter and
// the torch.<Type>Storage classes. Anything else is an error naming it: a pickle can
// run arbitrary code in Python, here it can only build data. Values live in an arena
// (no reference counting, no recursive destruction), so cycles and deep nesting built
// from memo references cannot crash the reader.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tensor/tensor.h"
#include "weights/state_dict.h"

namespace tessera::pickle {

enum class Kind : uint8_t { none, boolean, integer, floating, string, tuple, list, dict, global, storage, tensor };
const char* kind_name(Kind k);

struct Value;

// A persistent id ('storage', torch.FloatStorage, key, location, numel): data/<key> in the zip.
struct StorageRef {
  std::string key;
  FileDType dtype = FileDType::f32;
  int64_t numel = 0;
};

// torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...): a view of a storage.
struct TensorRef {
  const StorageRef* storage = nullptr;
  int64_t offset = 0;
  Shape shape, strides;
};

struct Value {
  Kind kind = Kind::none;
  bool boolean = false;
  int64_t integer = 0;
  double floating = 0;
  std::string text;                                  // string; global as "module.name"
  std::vector<Value*> items;                         // tuple, list
  std::vector<std::pair<Value*, Value*>> entries;    // dict, in insertion order
  Value* dict_state = nullptr;                       // dict: state set by BUILD (OrderedDict.__dict__)
  const StorageRef* storage = nullptr;               // storage
  const TensorRef* tensor = nullptr;                 // tensor

  // Dict lookup by string key (nullptr when absent or not a dict).
  const Value* get(std::string_view key) const;
};

class Unpickled {
 public:
  const Value* root() const { return root_; }

 private:
  friend class Machine;
  std::deque<Value> values_;  // deques: stable addresses, freed without recursion
  std::deque<StorageRef> storages_;
  std::deque<TensorRef> tensors_;
  Value* root_ = nullptr;
};

// Runs the pickle program `bytes` up to STOP. `what` names the source in errors.
Unpickled unpickle(std::string_view bytes, const std::string& what);

// Writes pickle protocol 2 opcodes, memoizing repeated globals and strings as torch does.
class Writer {
 public:
  Writer();
  void global(const std::string& module, const std::string& name);
  void string(const std::string& s);
  void integer(int64_t v);
  void boolean(bool v);
  void mark();
  void tuple();  // from the last mark
  void empty_tuple();
  void empty_dict();
  void reduce();
  void persistent_id();  // BINPERSID: pops the id tuple
  void setitems();       // from the last mark
  void setitem();
  void build();
  std::string finish();  // appends STOP

 private:
  void memoized(const std::string& memo_key, const std::string& opcodes);
  std::string out_;
  std::unordered_map<std::string, uint32_t> memo_;
};

}  // namespace tessera::pickle
