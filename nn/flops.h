// Counting the multiply-add work of a forward pass (for `tessera models` and the
// benchmarks' GFLOPs column). Modules that do GEMM-like work report it with
// add_flops(2 * multiply-adds); counting is off unless a FlopCounter is alive.
#pragma once

namespace tessera::nn {

void add_flops(double flops);

// While alive, collects the FLOPs that forward passes on this thread report.
class FlopCounter {
 public:
  FlopCounter();
  ~FlopCounter();
  FlopCounter(const FlopCounter&) = delete;
  FlopCounter& operator=(const FlopCounter&) = delete;
  double total() const { return total_; }

 private:
  double total_ = 0;
  FlopCounter* outer_;
  friend void add_flops(double);
};

}  // namespace tessera::nn
