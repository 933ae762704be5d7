// DenseNet-121 block 1's last concat: 64 + 6 x 32 channels at 56x56 (8 bytes per element).
#include <memory>

#include "bench/kernels/bench_ops_util.h"
#include "kernels/concat.h"

using namespace tessera;
using namespace tessera::kernels;

static const int registered = [] {
  const int64_t HW = 56 * 56, total = 64 + 6 * 32;
  bench::register_op("concat_f32", "7->1x256x56x56", 8.0 * total * HW, {Isa::ref}, [=] {
    auto sizes = std::make_shared<std::vector<int64_t>>(std::vector<int64_t>{64, 32, 32, 32, 32, 32, 32});
    auto data = std::make_shared<std::vector<std::vector<float>>>();
    auto ptrs = std::make_shared<std::vector<const float*>>();
    for (int64_t s : *sizes) data->push_back(bench::bench_randn(s * HW));
    for (auto& d : *data) ptrs->push_back(d.data());
    auto y = std::make_shared<std::vector<float>>(total * HW);
    return [=] { concat_f32(y->data(), ptrs->data(), sizes->data(), 7, 1, HW); };
  });
  return 0;
}();
