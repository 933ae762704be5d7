// One dispatch table per op: a function pointer per ISA path, filled at start-up
// by the per-ISA files, looked up at call time from the active path (falling back
// to the best lower path an op provides; every op provides `ref`).
#pragma once
#include "kernels/cpu.h"
#include "tensor/error.h"

namespace tessera::kernels {

template <typename Fn>
struct KernelTable {
  Fn impl[4] = {};  // indexed by Isa

  Fn get(Isa isa) const {
    for (int i = static_cast<int>(isa); i >= 0; --i)
      if (impl[i]) return impl[i];
    throw Error("kernel table has no implementation, not even ref");
  }
  Fn get() const { return get(active_isa()); }
  // True when `isa` has its own implementation (not a fallback): tests sweep these.
  bool has(Isa isa) const { return impl[static_cast<int>(isa)] != nullptr; }
};

}  // namespace tessera::kernels
