// attention_f32/<impl>/<shape>: scaled-dot-product attention, ViT-B/16 (12 heads x 197
// tokens x 64) and a Swin-T window (3 heads x 49 x 32, 64 windows), batch 1.
//   tessera        fused: a block of query rows at a time (kernels/attention.cpp)
//   onednn_unfused per head, dnnl_sgemm for Q K^T and for P V, the same softmax in between
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cmath>
#include <oneapi/dnnl/dnnl.h>
#include <vector>

#include "bench/kernels/bench_util.h"
#include "kernels/attention.h"
#include "kernels/parallel.h"
#include "tensor/rng.h"

using namespace tessera;
using kernels::AttentionShape;

namespace {

void unfused_onednn(float* out, const float* q, const float* k, const float* v, const AttentionShape& s,
                    std::vector<float>& scores) {
  for (int64_t h = 0; h < s.BH; ++h) {
    float* sc = scores.data();
    dnnl_sgemm('N', 'T', s.Lq, s.Lk, s.D, s.scale, q + h * s.Lq * s.D, s.D, k + h * s.Lk * s.D, s.D, 0.f, sc, s.Lk);
    for (int64_t i = 0; i < s.Lq; ++i) {
      float* row = sc + i * s.Lk;
      float mx = row[0], sum = 0;
      for (int64_t j = 1; j < s.Lk; ++j) mx = std::max(mx, row[j]);
      for (int64_t j = 0; j < s.Lk; ++j) sum += (row[j] = std::exp(row[j] - mx));
      for (int64_t j = 0; j < s.Lk; ++j) row[j] /= sum;
    }
    dnnl_sgemm('N', 'N', s.Lq, s.Dv, s.Lk, 1.f, sc, s.Lk, v + h * s.Lk * s.Dv, s.Dv, 0.f, out + h * s.Lq * s.Dv, s.Dv);
  }
}

void attention_bench(benchmark::State& state, bool fused, AttentionShape s) {
  const int threads = static_cast<int>(state.range(0));
  set_num_threads(threads);
  omp_set_num_threads(threads);
  Generator g(1);
  std::vector<float> q(s.BH * s.Lq * s.D), k(s.BH * s.Lk * s.D), v(s.BH * s.Lk * s.Dv), out(s.BH * s.Lq * s.Dv),
      scores(s.Lq * s.Lk);
  g.fill_normal(q.data(), q.size());
  g.fill_normal(k.data(), k.size());
  g.fill_normal(v.data(), v.size());
  for (auto _ : state) {
    if (fused) kernels::sdpa_f32(out.data(), q.data(), k.data(), v.data(), nullptr, false, s);
    else unfused_onednn(out.data(), q.data(), k.data(), v.data(), s, scores);
    benchmark::DoNotOptimize(out.data());
  }
  bench::set_flops_counters(state, 2.0 * s.BH * s.Lq * s.Lk * (s.D + s.Dv), threads);
}

const int registered = [] {
  const std::pair<const char*, AttentionShape> shapes[] = {
      {"vit_b16_12x197x64", {12, 197, 197, 64, 64, 0.125f}},
      {"swin_t_window_192x49x32", {3 * 64, 49, 49, 32, 32, 1.f / std::sqrt(32.f)}}};
  for (auto& [name, s] : shapes) {
    for (bool fused : {true, false}) {
      auto* b = benchmark::RegisterBenchmark(
          (std::string("attention_f32/") + (fused ? "tessera/" : "onednn_unfused/") + name).c_str(), attention_bench,
          fused, s);
      b->ArgName("threads")->UseRealTime()->Unit(benchmark::kMicrosecond);
      for (int t : bench::thread_counts()) b->Arg(t);
    }
  }
  return 0;
}();

}  // namespace
