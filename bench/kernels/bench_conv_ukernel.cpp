// conv_ukernel_f32/<tile>__<isa>/k:<K>: the bare direct-convolution microkernel
// (kernels/conv2d_ukernel.h) on one tile of a 3x3 conv over a small padded image, all
// of it cache-resident: the ceiling of conv_f32/tessera (AVX-512) and conv_f32/tessera_avx2.
// conv_ukernel_f32/stem_6x16x64__<isa>/k:<K>: the stem kernel (kernels/conv2d_stem.h)
// on 96 pixels of one row x 64 channels of a 3x3 (K = 27) or 7x7 (K = 147) conv over RGB.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

#include "bench/kernels/bench_util.h"
#include "kernels/conv2d_stem.h"
#include "kernels/conv2d_ukernel.h"
#include "kernels/cpu.h"
#include "tensor/rng.h"

using namespace tessera;
using namespace tessera::kernels;

namespace {

// Where weight position (c, kh, kw) reads in channel planes `plane` floats apart, rows Wq apart.
std::vector<int64_t> tap_offsets(int64_t channels, int64_t kernel, int64_t Wq, int64_t plane) {
  std::vector<int64_t> offsets;
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t kh = 0; kh < kernel; ++kh)
      for (int64_t kw = 0; kw < kernel; ++kw) offsets.push_back(c * plane + kh * Wq + kw);
  return offsets;
}

// K = channels * 9: a 3x3 kernel over channels planes of 16 x 16 padded pixels (32 wide
// for the stride-2 tiles, whose pixels are 2 apart).
void conv_ukernel_bench(benchmark::State& state, void (*uk)(const ConvTile&), int64_t pixels, int64_t row_step,
                        int64_t stride) {
  const int64_t channels = state.range(0) / 9, K = channels * 9, Wq = 16 * stride, plane = Wq * 16;
  Generator g(1);
  std::vector<float> x(static_cast<size_t>(channels * plane + 64));
  g.fill_normal(x.data(), static_cast<int64_t>(x.size()));
  float* w = static_cast<float*>(std::aligned_alloc(64, static_cast<size_t>(K * 32 * 4)));
  g.fill_normal(w, K * 32);
  std::vector<float> y(static_cast<size_t>(32 * 16));
  const std::vector<int64_t> offsets = tap_offsets(channels, 3, Wq, plane);
  ConvTile t{};
  t.kc = K;
  t.x = x.data();
  t.x_offsets = offsets.data();
  t.row_step = row_step;
  t.w = w;
  t.y = y.data();
  t.ldy = 16;
  t.m = pixels;
  t.n = 32;
  t.act = FusedActivation::relu;
  for (auto _ : state) {
    uk(t);
    benchmark::DoNotOptimize(y.data());
  }
  bench::set_flops_counters(state, 2.0 * pixels * 32 * K, 1);
  std::free(w);
}

void stem_ukernel_bench(benchmark::State& state, void (*uk)(const StemTile&)) {
  const int64_t taps = state.range(0) / 3, kw = taps == 49 ? 7 : 3, K = 3 * taps;
  const int64_t Wq = 128, plane = Wq * 16, oc = 64;
  Generator g(1);
  std::vector<float> x(static_cast<size_t>(3 * plane + 64));
  g.fill_normal(x.data(), static_cast<int64_t>(x.size()));
  std::vector<float> w(static_cast<size_t>(K * oc));
  g.fill_normal(w.data(), K * oc);
  std::vector<float> y(static_cast<size_t>(oc * 96));
  const std::vector<int64_t> offsets = tap_offsets(3, kw, Wq, plane);
  StemSegment segs[kStemSegments];
  for (int64_t v = 0; v < kStemSegments; ++v) segs[v] = StemSegment{16 * v, 16 * v, 16};
  const StemTile t{K, x.data(), offsets.data(), segs, kStemSegments, w.data(), y.data(), /*ldy=*/96, oc,
                   /*bias=*/nullptr, FusedActivation::relu};
  for (auto _ : state) {
    uk(t);
    benchmark::DoNotOptimize(y.data());
  }
  bench::set_flops_counters(state, 2.0 * 96 * oc * K, 1);
}

struct TileKernel {
  const char* name;
  void (*uk)(const ConvTile&);
  int64_t pixels, row_step, stride;
};

void register_tiles(Isa isa, const TileKernel (&tiles)[5]) {
  if (!isa_supported(isa)) return;
  for (const auto& tile : tiles)
    benchmark::RegisterBenchmark((std::string("conv_ukernel_f32/") + tile.name).c_str(), conv_ukernel_bench, tile.uk,
                                 tile.pixels, tile.row_step, tile.stride)
        ->ArgName("k")->Arg(9 * 16)->Arg(9 * 64)->Arg(9 * 256);
}

const int registered = [] {
  register_tiles(Isa::avx512, {{"14x32__avx512", conv2d_direct_ukernel_14x32__avx512, 14, 0, 1},
                               {"2x7x32__avx512", conv2d_direct_ukernel_2x7x32__avx512, 14, 16, 1},
                               {"7x32__avx512", conv2d_direct_ukernel_7x32__avx512, 7, 0, 1},
                               {"14x32s2__avx512", conv2d_direct_ukernel_14x32s2__avx512, 14, 0, 2},
                               {"2x7x32s2__avx512", conv2d_direct_ukernel_2x7x32s2__avx512, 14, 64, 2}});
  register_tiles(Isa::avx2, {{"14x32__avx2", conv2d_direct_ukernel_14x32__avx2, 14, 0, 1},
                             {"2x7x32__avx2", conv2d_direct_ukernel_2x7x32__avx2, 14, 16, 1},
                             {"7x32__avx2", conv2d_direct_ukernel_7x32__avx2, 7, 0, 1},
                             {"14x32s2__avx2", conv2d_direct_ukernel_14x32s2__avx2, 14, 0, 2},
                             {"2x7x32s2__avx2", conv2d_direct_ukernel_2x7x32s2__avx2, 14, 64, 2}});
  using StemFn = void (*)(const StemTile&);
  for (auto [isa, name, uk] : {std::tuple<Isa, const char*, StemFn>{Isa::avx512, "avx512", conv2d_stem_ukernel_4x16__avx512},
                                std::tuple<Isa, const char*, StemFn>{Isa::avx2, "avx2", conv2d_stem_ukernel_4x16__avx2}})
    if (isa_supported(isa))
      benchmark::RegisterBenchmark((std::string("conv_ukernel_f32/stem_6x16x64__") + name).c_str(), stem_ukernel_bench, uk)
          ->ArgName("k")->Arg(27)->Arg(147);
  return 0;
}();

}  // namespace
