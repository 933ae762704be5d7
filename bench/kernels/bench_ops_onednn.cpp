// oneDNN as the peer of the memory-bound op benchmarks (bench_activation.cpp, bench_softmax.cpp,
// ...): "<op>/onednn/<shape>" runs oneDNN's primitive on the same shape, NCHW tensors as
// Tessera's, one thread, with the same bytes counter, so the ratio table lines the two up.
// The pools also run on oneDNN's own blocked layout (nChw16c or nChw8c, "onednn_blocked"), the one its
// convolutions hand them in a network, and batch norm only there (see below).
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstring>
#include <functional>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "tensor/rng.h"

namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;
using dims = dnnl::memory::dims;

const dnnl::engine& engine() {
  static const dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

// One primitive and its arguments, inputs filled with normal samples.
struct Call {
  dnnl::primitive prim;
  std::unordered_map<int, dnnl::memory> args;
};

dnnl::memory filled(const dnnl::memory::desc& d, uint64_t seed) {
  dnnl::memory m(d, engine());
  const int64_t n = static_cast<int64_t>(d.get_size() / sizeof(float));
  tessera::Generator(seed).fill_normal(static_cast<float*>(m.get_data_handle()), n);
  return m;
}

// oneDNN's blocked layout for the ISA it runs: 16 channels a block with AVX-512, 8 without
// (held to AVX2, its kernels take nChw8c and a 16-channel block falls to generic code).
tag blocked_tag() {
  const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  const auto avx512 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core);
  return (isa & avx512) == avx512 ? tag::nChw16c : tag::nChw8c;
}

dnnl::memory::desc plain(const dims& shape) {
  static const tag tags[] = {tag::undef, tag::a, tag::ab, tag::abc, tag::abcd};
  return dnnl::memory::desc(shape, dt::f32, tags[shape.size()]);
}

void register_call(const std::string& op, const std::string& impl, const std::string& shape, double bytes_per_call,
                   std::function<Call()> setup) {
  const std::string name = op + "/" + impl + "/" + shape;
  benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
    const int before = omp_get_max_threads();
    omp_set_num_threads(1);
    Call c = setup();
    dnnl::stream s(engine());
    for (auto _ : state) {
      c.prim.execute(s, c.args);
      s.wait();
      benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<int64_t>(bytes_per_call * double(state.iterations())));
    omp_set_num_threads(before);
  })->UseRealTime()->MinTime(0.2);
}

// y = act(x) on the shape of bench_activation.cpp.
void eltwise(const char* op, dnnl::algorithm alg, float alpha) {
  const dims shape{1, 64, 112, 112};
  register_call(op, "onednn", "1x64x112x112", 8.0 * 64 * 112 * 112, [=] {
    const auto d = plain(shape);
    dnnl::eltwise_forward::primitive_desc pd({dnnl::prop_kind::forward_inference, alg, d, alpha, 0.f}, engine());
    return Call{dnnl::eltwise_forward(pd), {{DNNL_ARG_SRC, filled(d, 1)}, {DNNL_ARG_DST, dnnl::memory(d, engine())}}};
  });
}

void softmax(const char* op, const char* shape, int64_t rows, int64_t cols, dnnl::algorithm alg) {
  register_call(op, "onednn", shape, 8.0 * rows * cols, [=] {
    const auto d = plain({rows, cols});
    dnnl::softmax_v2_forward::primitive_desc pd({dnnl::prop_kind::forward_inference, alg, d, d, 1}, engine());
    return Call{dnnl::softmax_v2_forward(pd), {{DNNL_ARG_SRC, filled(d, 1)}, {DNNL_ARG_DST, dnnl::memory(d, engine())}}};
  });
}

// Pooling on NCHW (impl "onednn") or on oneDNN's blocked layout ("onednn_blocked").
void pool(const char* op, const char* shape, int64_t C, int64_t H, int64_t k, int64_t stride, int64_t pad,
          dnnl::algorithm alg, bool blocked) {
  const int64_t OH = (H + 2 * pad - k) / stride + 1;
  register_call(op, blocked ? "onednn_blocked" : "onednn", shape, 4.0 * C * (H * H + OH * OH), [=] {
    const tag t = blocked ? blocked_tag() : tag::nchw;
    const dnnl::memory::desc src({1, C, H, H}, dt::f32, t), dst({1, C, OH, OH}, dt::f32, t);
    dnnl::pooling_v2_forward::primitive_desc pd({dnnl::prop_kind::forward_inference, alg, src, dst, {stride, stride},
                                                 {k, k}, {0, 0}, {pad, pad}, {pad, pad}},
                                                engine());
    return Call{dnnl::pooling_v2_forward(pd), {{DNNL_ARG_SRC, filled(src, 1)}, {DNNL_ARG_DST, dnnl::memory(dst, engine())}}};
  });
}

const int registered = [] {
  using A = dnnl::algorithm;
  eltwise("relu_f32", A::eltwise_relu, 0.f);
  eltwise("relu6_f32", A::eltwise_bounded_relu, 6.f);
  eltwise("gelu_f32", A::eltwise_gelu_erf, 0.f);
  eltwise("gelu_tanh_f32", A::eltwise_gelu_tanh, 0.f);
  eltwise("silu_f32", A::eltwise_swish, 1.f);
  eltwise("hardswish_f32", A::eltwise_hardswish, 0.f);
  eltwise("sigmoid_f32", A::eltwise_logistic, 0.f);

  softmax("softmax_f32", "12x197x197", 12 * 197, 197, A::softmax_accurate);
  softmax("log_softmax_f32", "16x1000", 16, 1000, A::softmax_log);

  register_call("layernorm_f32", "onednn", "197x768", 8.0 * 197 * 768, [] {
    const auto d = plain({197, 768}), w = plain({768});
    const auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
    dnnl::layer_normalization_forward::primitive_desc pd({dnnl::prop_kind::forward_inference, d, 1e-6f, flags},
                                                         engine());
    Call c{dnnl::layer_normalization_forward(pd),
           {{DNNL_ARG_SRC, filled(d, 1)}, {DNNL_ARG_DST, dnnl::memory(d, engine())}, {DNNL_ARG_SCALE, filled(w, 2)},
            {DNNL_ARG_SHIFT, filled(w, 3)}}};
    for (int arg : {DNNL_ARG_MEAN, DNNL_ARG_VARIANCE})
      if (const auto md = pd.query_md(dnnl::query::exec_arg_md, arg); md.get_size() > 0)
        c.args.emplace(arg, dnnl::memory(md, engine()));
    return c;
  });

  // On NCHW oneDNN runs batch norm through its generic code (ncsp_bnorm: 17x slower than
  // Tessera's here); on its blocked layout through a jit kernel, the one a network gets.
  register_call("batchnorm_relu_f32", "onednn_blocked", "1x256x56x56", 8.0 * 256 * 56 * 56, [] {
    const dnnl::memory::desc d({1, 256, 56, 56}, dt::f32, blocked_tag());
    const auto w = plain({256});
    const auto flags = dnnl::normalization_flags::use_global_stats | dnnl::normalization_flags::use_scale |
                       dnnl::normalization_flags::use_shift | dnnl::normalization_flags::fuse_norm_relu;
    dnnl::batch_normalization_forward::primitive_desc pd({dnnl::prop_kind::forward_inference, d, 1e-5f, flags},
                                                         engine());
    dnnl::memory var(w, engine());
    for (int64_t i = 0; i < 256; ++i) static_cast<float*>(var.get_data_handle())[i] = 1.5f;
    Call c{dnnl::batch_normalization_forward(pd),
           {{DNNL_ARG_SRC, filled(d, 1)}, {DNNL_ARG_DST, dnnl::memory(d, engine())}, {DNNL_ARG_MEAN, filled(w, 2)},
            {DNNL_ARG_VARIANCE, var}, {DNNL_ARG_SCALE, filled(w, 3)}, {DNNL_ARG_SHIFT, filled(w, 4)}}};
    if (const auto ws = pd.workspace_desc(); ws.get_size() > 0) c.args.emplace(DNNL_ARG_WORKSPACE, dnnl::memory(ws, engine()));
    return c;
  });

  for (const bool blocked : {false, true}) {
    pool("max_pool2d_f32", "1x64x112x112_k3s2p1", 64, 112, 3, 2, 1, A::pooling_max, blocked);
    pool("avg_pool2d_f32", "1x128x56x56_k2s2", 128, 56, 2, 2, 0, A::pooling_avg_include_padding, blocked);
    pool("adaptive_avg_pool2d_f32", "1x2048x7x7_to_1x1", 2048, 7, 7, 1, 0, A::pooling_avg_include_padding, blocked);
  }

  // Residual add + ReLU (ReLU as a post-op) and a per-channel broadcast add.
  register_call("add_relu_f32", "onednn", "1x256x56x56", 12.0 * 256 * 56 * 56, [] {
    const auto d = plain({1, 256, 56, 56});
    dnnl::post_ops po;
    po.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(po);
    dnnl::binary::primitive_desc pd({dnnl::algorithm::binary_add, d, d, d}, attr, engine());
    return Call{dnnl::binary(pd),
                {{DNNL_ARG_SRC_0, filled(d, 1)}, {DNNL_ARG_SRC_1, filled(d, 2)}, {DNNL_ARG_DST, dnnl::memory(d, engine())}}};
  });
  register_call("add_channel_f32", "onednn", "1x256x56x56+256x1x1", 8.0 * 256 * 56 * 56, [] {
    const auto d = plain({1, 256, 56, 56}), b = plain({1, 256, 1, 1});
    dnnl::binary::primitive_desc pd({dnnl::algorithm::binary_add, d, b, d}, engine());
    return Call{dnnl::binary(pd),
                {{DNNL_ARG_SRC_0, filled(d, 1)}, {DNNL_ARG_SRC_1, filled(b, 2)}, {DNNL_ARG_DST, dnnl::memory(d, engine())}}};
  });

  // DenseNet-121 block 1's last concat (bench_concat.cpp).
  register_call("concat_f32", "onednn", "7->1x256x56x56", 8.0 * 256 * 56 * 56, [] {
    std::vector<dnnl::memory::desc> srcs;
    for (int64_t c : {64, 32, 32, 32, 32, 32, 32}) srcs.push_back(plain({1, c, 56, 56}));
    const auto dst = plain({1, 256, 56, 56});
    dnnl::concat::primitive_desc pd(dst, 1, srcs, engine());
    Call c{dnnl::concat(pd), {{DNNL_ARG_DST, dnnl::memory(dst, engine())}}};
    for (size_t i = 0; i < srcs.size(); ++i) c.args.emplace(DNNL_ARG_MULTIPLE_SRC + int(i), filled(srcs[i], 5 + i));
    return c;
  });
  return 0;
}();

}  // namespace
