// Softmax over ViT-B's attention scores (12 heads x 197 x 197) and a classifier's log_softmax.
#include <memory>

#include "bench/kernels/bench_ops_util.h"
#include "kernels/softmax.h"

using namespace tessera;
using namespace tessera::kernels;

static void reg(const char* op, const char* shape, int64_t rows, int64_t cols, bool log) {
  bench::register_op(op, shape, 8.0 * rows * cols, {Isa::ref, Isa::avx2, Isa::avx512}, [=] {
    auto x = std::make_shared<std::vector<float>>(bench::bench_randn(rows * cols));
    auto y = std::make_shared<std::vector<float>>(rows * cols);
    return [=] { (log ? log_softmax_f32 : softmax_f32)(y->data(), x->data(), rows, cols); };
  });
}

static const int registered = [] {
  reg("softmax_f32", "12x197x197", 12 * 197, 197, false);
  reg("log_softmax_f32", "16x1000", 16, 1000, true);
  return 0;
}();
