// ResNet's stem max-pool (1x64x112x112, 3x3 s2 p1), DenseNet's transition avg-pool
// (1x128x56x56, 2x2 s2) and the global average pool before ResNet-50's fc (1x2048x7x7).
// Bytes = input read + output written.
#include <memory>

#include "bench/kernels/bench_ops_util.h"
#include "kernels/pool.h"

using namespace tessera;
using namespace tessera::kernels;

static const int registered = [] {
  {
    const int64_t C = 64, H = 112, n = C * H * H, out = C * 56 * 56;
    bench::register_op("max_pool2d_f32", "1x64x112x112_k3s2p1", 4.0 * (n + out), {Isa::ref, Isa::avx2, Isa::avx512}, [=] {
      auto x = std::make_shared<std::vector<float>>(bench::bench_randn(n));
      auto y = std::make_shared<std::vector<float>>(out);
      Pool2dParams p;
      p.kh = p.kw = 3, p.sh = p.sw = 2, p.ph = p.pw = 1;
      return [=] { max_pool2d_f32(y->data(), nullptr, x->data(), 1, C, H, H, p); };
    });
  }
  {
    const int64_t C = 128, H = 56, n = C * H * H, out = C * 28 * 28;
    bench::register_op("avg_pool2d_f32", "1x128x56x56_k2s2", 4.0 * (n + out), {Isa::ref, Isa::avx2, Isa::avx512}, [=] {
      auto x = std::make_shared<std::vector<float>>(bench::bench_randn(n));
      auto y = std::make_shared<std::vector<float>>(out);
      Pool2dParams p;
      p.kh = p.kw = 2, p.sh = p.sw = 2;
      return [=] { avg_pool2d_f32(y->data(), x->data(), 1, C, H, H, p); };
    });
  }
  {
    const int64_t C = 2048, n = C * 49;
    bench::register_op("adaptive_avg_pool2d_f32", "1x2048x7x7_to_1x1", 4.0 * (n + C), {Isa::ref, Isa::avx2, Isa::avx512}, [=] {
      auto x = std::make_shared<std::vector<float>>(bench::bench_randn(n));
      auto y = std::make_shared<std::vector<float>>(C);
      return [=] { adaptive_avg_pool2d_f32(y->data(), x->data(), 1, C, 7, 7, 1, 1); };
    });
  }
  return 0;
}();
