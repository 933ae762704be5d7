#include "weights/pickle.h"

#include <bit>
#include <cstring>
#include <unordered_map>

#include "tensor/error.h"
#include "weights/le_bytes.h"

namespace tessera::pickle {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::none: return "None";
    case Kind::boolean: return "bool";
    case Kind::integer: return "int";
    case Kind::floating: return "float";
    case Kind::string: return "str";
    case Kind::tuple: return "tuple";
    case Kind::list: return "list";
    case Kind::dict: return "dict";
    case Kind::global: return "global";
    case Kind::storage: return "storage";
    case Kind::tensor: return "tensor";
  }
  return "?";
}

const Value* Value::get(std::string_view key) const {
  if (kind != Kind::dict) return nullptr;
  for (const auto& [k, v] : entries)
    if (k->kind == Kind::string && k->text == key) return v;
  return nullptr;
}

namespace {

// Opcodes, named as in CPython's pickletools.
enum Op : uint8_t {
  MARK = '(', STOP = '.', POP = '0', BINFLOAT = 'G', BININT = 'J', BININT1 = 'K', BININT2 = 'M', NONE = 'N',
  BINPERSID = 'Q', REDUCE = 'R', BINUNICODE = 'X', APPEND = 'a', BUILD = 'b', GLOBAL = 'c', APPENDS = 'e',
  BINGET = 'h', LONG_BINGET = 'j', BINPUT = 'q', LONG_BINPUT = 'r', SETITEM = 's', TUPLE = 't', SETITEMS = 'u',
  EMPTY_DICT = '}', EMPTY_LIST = ']', EMPTY_TUPLE = ')', PROTO = 0x80, NEWOBJ = 0x81, TUPLE1 = 0x85, TUPLE2 = 0x86,
  TUPLE3 = 0x87, NEWTRUE = 0x88, NEWFALSE = 0x89, LONG1 = 0x8a, SHORT_BINUNICODE = 0x8c, BINUNICODE8 = 0x8d,
  STACK_GLOBAL = 0x93, MEMOIZE = 0x94, FRAME = 0x95,
};

constexpr size_t kMaxValues = size_t{1} << 19;  // a state dict of 10k tensors needs ~200k
constexpr size_t kMaxKeyLength = 4096;          // state dict names are short; this bounds hashing work

struct StorageClass {
  const char* name;
  FileDType dtype;
};
constexpr StorageClass kStorageClasses[] = {
    {"FloatStorage", FileDType::f32}, {"HalfStorage", FileDType::f16}, {"BFloat16Storage", FileDType::bf16},
    {"LongStorage", FileDType::i64},  {"IntStorage", FileDType::i32},  {"CharStorage", FileDType::i8},
    {"ByteStorage", FileDType::u8},   {"BoolStorage", FileDType::boolean},
};

}  // namespace

class Machine {
 public:
  Machine(std::string_view bytes, const std::string& what) : bytes_(bytes), what_(what) {}

  Unpickled run() {
    for (;;) {
      op_pos_ = pos_;
      const uint8_t op = u8();
      if (op == STOP) {
        result_.root_ = pop();
        return std::move(result_);
      }
      step(op);
    }
  }

 private:
  template <typename... Args>
  [[noreturn]] void fail(const Args&... args) const {
    throw Error(detail::concat(what_, ": pickle byte ", op_pos_, ": ", args...));
  }

  // ---- reading the program ----
  std::string_view take(uint64_t n) {
    if (n > bytes_.size() - pos_) fail("needs ", n, " more bytes but only ", bytes_.size() - pos_, " remain (truncated?)");
    std::string_view s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  template <typename T>
  T read() {
    return le::load<T>(take(sizeof(T)), 0);
  }
  uint8_t u8() { return read<uint8_t>(); }
  std::string_view line() {
    const size_t end = bytes_.find('\n', pos_);
    if (end == std::string_view::npos) fail("unterminated GLOBAL name (truncated?)");
    std::string_view s = bytes_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }

  // ---- values ----
  Value* make(Kind k) {
    if (result_.values_.size() >= kMaxValues) fail("builds more than ", kMaxValues, " objects; not a state dict");
    Value& v = result_.values_.emplace_back();
    v.kind = k;
    return &v;
  }
  Value* make_int(int64_t v) {
    Value* x = make(Kind::integer);
    x->integer = v;
    return x;
  }
  void push(Value* v) { stack_.push_back(v); }
  Value* pop() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) fail("stack underflow (malformed pickle)");
    Value* v = stack_.back();
    stack_.pop_back();
    return v;
  }
  Value* top() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) fail("stack underflow (malformed pickle)");
    return stack_.back();
  }
  std::vector<Value*> pop_to_mark() {
    if (marks_.empty()) fail("no MARK to pop to (malformed pickle)");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<Value*> items(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
    stack_.resize(m);
    return items;
  }
  Value* make_tuple(std::vector<Value*> items) {
    Value* t = make(Kind::tuple);
    t->items = std::move(items);
    return t;
  }
  Value* expect(Value* v, Kind k, const char* role) {
    if (v->kind != k) fail(role, " must be a ", kind_name(k), ", got ", kind_name(v->kind));
    return v;
  }

  void memo_put(uint64_t index) { memo_[index] = top(); }
  Value* memo_get(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo entry ", index, " read before it was written");
    return it->second;
  }

  void set_item(Value* dict, Value* key, Value* value) {
    expect(dict, Kind::dict, "SETITEM target");
    // String and int keys are deduplicated, as Python's dict does (a later value wins).
    DictIndex& index = dict_index_[dict];
    std::pair<std::unordered_map<std::string_view, size_t>::iterator, bool> by_string;
    std::pair<std::unordered_map<int64_t, size_t>::iterator, bool> by_int;
    size_t* existing = nullptr;
    if (key->kind == Kind::string) {
      if (key->text.size() > kMaxKeyLength) fail("dict key of ", key->text.size(), " bytes; not a state dict");
      by_string = index.strings.emplace(key->text, dict->entries.size());
      if (!by_string.second) existing = &by_string.first->second;
    } else if (key->kind == Kind::integer) {
      by_int = index.ints.emplace(key->integer, dict->entries.size());
      if (!by_int.second) existing = &by_int.first->second;
    }
    if (existing) dict->entries[*existing].second = value;
    else dict->entries.emplace_back(key, value);
  }
  void append(Value* list, Value* item) {
    expect(list, Kind::list, "APPEND target");
    list->items.push_back(item);
  }

  // ---- the closed set of globals ----
  Value* global(std::string_view module, std::string_view name) {
    const std::string full = std::string(module) + "." + std::string(name);
    bool allowed = full == "collections.OrderedDict" || full == "torch._utils._rebuild_tensor_v2" ||
                   full == "torch._utils._rebuild_parameter";
    if (module == "torch")
      for (const auto& c : kStorageClasses) allowed |= name == c.name;
    if (!allowed) {
      if (module == "torch" && name.ends_with("Storage"))
        fail("storage type ", full, " is not supported (float32/16, bfloat16, int64/32/8, uint8, bool are)");
      fail("global ", full, " is not allowed in a state dict (only OrderedDict, tensors and storages are)");
    }
    Value* g = make(Kind::global);
    g->text = full;
    return g;
  }

  Value* call(Value* callable, Value* args) {
    expect(callable, Kind::global, "REDUCE callable");
    expect(args, Kind::tuple, "REDUCE arguments");
    const std::string& f = callable->text;
    const auto& a = args->items;
    if (f == "collections.OrderedDict") {
      Value* d = make(Kind::dict);
      if (a.size() == 1 && a[0]->kind == Kind::list) {  // OrderedDict([(k, v), ...])
        for (Value* pair : a[0]->items) {
          if (pair->kind != Kind::tuple || pair->items.size() != 2) fail("OrderedDict items must be (key, value) pairs");
          set_item(d, pair->items[0], pair->items[1]);
        }
      } else if (!a.empty()) {
        fail("OrderedDict called with unsupported arguments");
      }
      return d;
    }
    if (f == "torch._utils._rebuild_tensor_v2") {
      if (a.size() != 6 && a.size() != 7) fail("_rebuild_tensor_v2 takes 6 or 7 arguments, got ", a.size());
      TensorRef& r = result_.tensors_.emplace_back();
      r.storage = expect(a[0], Kind::storage, "_rebuild_tensor_v2 storage")->storage;
      r.offset = expect(a[1], Kind::integer, "_rebuild_tensor_v2 offset")->integer;
      for (Value* d : expect(a[2], Kind::tuple, "_rebuild_tensor_v2 size")->items)
        r.shape.push_back(expect(d, Kind::integer, "a tensor size")->integer);
      for (Value* d : expect(a[3], Kind::tuple, "_rebuild_tensor_v2 stride")->items)
        r.strides.push_back(expect(d, Kind::integer, "a tensor stride")->integer);
      if (r.shape.size() != r.strides.size()) fail("tensor size and stride differ in rank");
      Value* t = make(Kind::tensor);
      t->tensor = &r;
      return t;
    }
    if (f == "torch._utils._rebuild_parameter") {
      if (a.size() != 3) fail("_rebuild_parameter takes 3 arguments, got ", a.size());
      return expect(a[0], Kind::tensor, "_rebuild_parameter data");
    }
    fail(f, " cannot be called");
  }

  // ('storage', torch.<Type>Storage, key, location, numel)
  Value* persistent_load(Value* pid) {
    expect(pid, Kind::tuple, "persistent id");
    const auto& a = pid->items;
    if (a.size() != 5 || a[0]->kind != Kind::string || a[0]->text != "storage")
      fail("persistent id is not a ('storage', type, key, location, numel) tuple");
    const std::string& type = expect(a[1], Kind::global, "storage type")->text;
    StorageRef& r = result_.storages_.emplace_back();
    bool known = false;
    for (const auto& c : kStorageClasses) {
      if (type == std::string("torch.") + c.name) {
        r.dtype = c.dtype;
        known = true;
      }
    }
    if (!known) fail(type, " is not a storage type");
    r.key = expect(a[2], Kind::string, "storage key")->text;
    expect(a[3], Kind::string, "storage location");
    r.numel = expect(a[4], Kind::integer, "storage size")->integer;
    if (r.numel < 0) fail("storage '", r.key, "' has negative size ", r.numel);
    Value* s = make(Kind::storage);
    s->storage = &r;
    return s;
  }

  void step(uint8_t op) {
    switch (op) {
      case PROTO: {
        const uint8_t v = u8();
        if (v > 5) fail("pickle protocol ", int{v}, " is newer than 5");
        break;
      }
      case FRAME: {
        const uint64_t n = read<uint64_t>();
        if (n > bytes_.size() - pos_) fail("frame of ", n, " bytes runs past the end (truncated?)");
        break;  // frames are only a buffering hint
      }
      case MARK: marks_.push_back(stack_.size()); break;
      case POP: pop(); break;
      case NONE: push(make(Kind::none)); break;
      case NEWTRUE: case NEWFALSE: {
        Value* b = make(Kind::boolean);
        b->boolean = op == NEWTRUE;
        push(b);
        break;
      }
      case BININT: push(make_int(read<int32_t>())); break;
      case BININT1: push(make_int(u8())); break;
      case BININT2: push(make_int(read<uint16_t>())); break;
      case LONG1: {
        const uint8_t n = u8();
        if (n > 8) fail("integer of ", int{n}, " bytes does not fit 64 bits");
        std::string_view b = take(n);
        uint64_t v = 0;
        for (size_t i = 0; i < n; ++i) v |= uint64_t{static_cast<uint8_t>(b[i])} << (8 * i);
        if (n > 0 && n < 8 && (static_cast<uint8_t>(b[n - 1]) & 0x80)) v |= ~uint64_t{0} << (8 * n);  // sign-extend
        push(make_int(static_cast<int64_t>(v)));
        break;
      }
      case BINFLOAT: {
        Value* f = make(Kind::floating);
        f->floating = std::bit_cast<double>(__builtin_bswap64(read<uint64_t>()));  // big-endian in pickles
        push(f);
        break;
      }
      case BINUNICODE: case SHORT_BINUNICODE: case BINUNICODE8: {
        const uint64_t n = op == SHORT_BINUNICODE ? u8() : op == BINUNICODE ? read<uint32_t>() : read<uint64_t>();
        Value* s = make(Kind::string);
        s->text = take(n);  // take() checks n against the bytes left before anything is allocated
        push(s);
        break;
      }
      case EMPTY_DICT: push(make(Kind::dict)); break;
      case EMPTY_LIST: push(make(Kind::list)); break;
      case EMPTY_TUPLE: push(make(Kind::tuple)); break;
      case TUPLE: push(make_tuple(pop_to_mark())); break;
      case TUPLE1: case TUPLE2: case TUPLE3: {
        std::vector<Value*> items(op - TUPLE1 + 1);
        for (size_t i = items.size(); i-- > 0;) items[i] = pop();
        push(make_tuple(std::move(items)));
        break;
      }
      case BINPUT: memo_put(u8()); break;
      case LONG_BINPUT: memo_put(read<uint32_t>()); break;
      case MEMOIZE: memo_put(memo_.size()); break;
      case BINGET: push(memo_get(u8())); break;
      case LONG_BINGET: push(memo_get(read<uint32_t>())); break;
      case GLOBAL: {
        const std::string_view module = line();
        push(global(module, line()));
        break;
      }
      case STACK_GLOBAL: {
        Value* name = expect(pop(), Kind::string, "STACK_GLOBAL name");
        Value* module = expect(pop(), Kind::string, "STACK_GLOBAL module");
        push(global(module->text, name->text));
        break;
      }
      case REDUCE: case NEWOBJ: {
        Value* args = pop();
        push(call(pop(), args));
        break;
      }
      case BUILD: {
        Value* state = pop();
        Value* obj = top();
        if (state->kind == Kind::none) break;
        if (obj->kind != Kind::dict || state->kind != Kind::dict)
          fail("BUILD of a ", kind_name(obj->kind), " with a ", kind_name(state->kind), " state is not supported");
        obj->dict_state = state;
        break;
      }
      case BINPERSID: push(persistent_load(pop())); break;
      case SETITEM: {
        Value* value = pop();
        Value* key = pop();
        set_item(top(), key, value);
        break;
      }
      case SETITEMS: {
        std::vector<Value*> items = pop_to_mark();
        if (items.size() % 2) fail("SETITEMS with an odd number of items");
        Value* dict = top();
        for (size_t i = 0; i < items.size(); i += 2) set_item(dict, items[i], items[i + 1]);
        break;
      }
      case APPEND: {
        Value* item = pop();
        append(top(), item);
        break;
      }
      case APPENDS: {
        std::vector<Value*> items = pop_to_mark();
        Value* list = top();
        for (Value* item : items) append(list, item);
        break;
      }
      default: {
        const bool printable = op >= 0x20 && op < 0x7f;
        fail("unsupported pickle opcode 0x", "0123456789abcdef"[op >> 4], "0123456789abcdef"[op & 15],
             printable ? std::string(" '") + static_cast<char>(op) + "'" : std::string(),
             " (not used by torch.save for state dicts)");
      }
    }
  }

  std::string_view bytes_;
  const std::string& what_;
  size_t pos_ = 0, op_pos_ = 0;
  std::vector<Value*> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Value*> memo_;
  struct DictIndex {  // views of key Values' text, which never changes once made
    std::unordered_map<std::string_view, size_t> strings;
    std::unordered_map<int64_t, size_t> ints;
  };
  std::unordered_map<const Value*, DictIndex> dict_index_;
  Unpickled result_;
};

Unpickled unpickle(std::string_view bytes, const std::string& what) { return Machine(bytes, what).run(); }

}  // namespace tessera::pickle
