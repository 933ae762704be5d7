#include <limits>

#include "tensor/error.h"
#include "weights/le_bytes.h"
#include "weights/pickle.h"

namespace tessera::pickle {

Writer::Writer() { out_ += "\x80\x02"; }  // PROTO 2, what torch.save writes by default

void Writer::memoized(const std::string& memo_key, const std::string& opcodes) {
  auto it = memo_.find(memo_key);
  if (it != memo_.end()) {  // BINGET / LONG_BINGET
    if (it->second < 256) {
      out_ += 'h';
      out_ += static_cast<char>(it->second);
    } else {
      out_ += 'j';
      le::append<uint32_t>(out_, it->second);
    }
    return;
  }
  out_ += opcodes;
  const uint32_t index = static_cast<uint32_t>(memo_.size());
  memo_.emplace(memo_key, index);
  if (index < 256) {  // BINPUT / LONG_BINPUT
    out_ += 'q';
    out_ += static_cast<char>(index);
  } else {
    out_ += 'r';
    le::append<uint32_t>(out_, index);
  }
}

void Writer::global(const std::string& module, const std::string& name) {
  memoized("g:" + module + "." + name, "c" + module + "\n" + name + "\n");
}

void Writer::string(const std::string& s) {
  TESSERA_CHECK(s.size() <= std::numeric_limits<uint32_t>::max(), "pickle: string too long");
  std::string ops = "X";
  le::append<uint32_t>(ops, static_cast<uint32_t>(s.size()));
  ops += s;
  if (s.size() <= 64) memoized("s:" + s, ops);  // short repeated strings ('storage', 'cpu')
  else out_ += ops;
}

void Writer::integer(int64_t v) {
  if (v >= 0 && v < 256) {
    out_ += 'K';
    out_ += static_cast<char>(v);
  } else if (v >= 0 && v < 65536) {
    out_ += 'M';
    le::append<uint16_t>(out_, static_cast<uint16_t>(v));
  } else if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()) {
    out_ += 'J';
    le::append<int32_t>(out_, static_cast<int32_t>(v));
  } else {  // LONG1 with 8 bytes of two's complement
    out_ += "\x8a\x08";
    le::append<int64_t>(out_, v);
  }
}

void Writer::boolean(bool v) { out_ += v ? '\x88' : '\x89'; }
void Writer::mark() { out_ += '('; }
void Writer::tuple() { out_ += 't'; }
void Writer::empty_tuple() { out_ += ')'; }
void Writer::empty_dict() { out_ += '}'; }
void Writer::reduce() { out_ += 'R'; }
void Writer::persistent_id() { out_ += 'Q'; }
void Writer::setitems() { out_ += 'u'; }
void Writer::setitem() { out_ += 's'; }
void Writer::build() { out_ += 'b'; }

std::string Writer::finish() {
  out_ += '.';
  return std::move(out_);
}

}  // namespace tessera::pickle
