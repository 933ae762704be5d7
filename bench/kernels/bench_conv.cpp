// conv_f32/<impl>/<layer>: Conv2d forward on real layer shapes, Tessera's active path
// (and tessera_avx2, the GEMM-based path of CPUs without AVX-512) vs oneDNN's direct
// convolution in the same run:
//   onednn_nchw     src/dst in plain NCHW like Tessera's API, weights in oneDNN's best format
//   onednn_blocked  src/dst/weights all in oneDNN's preferred blocked formats (its best case;
//                   a network would pay reorders at the edges)
// conv_f32/<impl>/resnet18_all, resnet50_all and mobilenetv2_all run the 20 convs of
// ResNet-18, the 53 of ResNet-50 and the 52 of MobileNetV2 at 224x224, batch 1.
// paired/conv_f32/<net>_all: Tessera and onednn_blocked alternating, each running the
// whole network's convs once per iteration, with their ratios.
// Weights are packed once outside the timed loop for every implementation.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>
#include <memory>
#include <string>
#include <vector>

#include "bench/kernels/bench_util.h"
#include "kernels/conv2d.h"
#include "kernels/parallel.h"
#include "tensor/rng.h"

using namespace tessera;
using kernels::Conv2dShape;

namespace {

struct Layer {
  std::string name;
  Conv2dShape s;
  int count = 1;  // how many times the network has it
};

Conv2dShape shape(int64_t n, int64_t c, int64_t hw, int64_t oc, int64_t k, int64_t stride, int64_t pad,
                  int64_t groups = 1) {
  Conv2dShape s;
  s.N = n, s.C = c, s.H = s.W = hw, s.OC = oc, s.KH = s.KW = k, s.SH = s.SW = stride, s.PH = s.PW = pad;
  s.groups = groups;
  return s;
}

std::vector<Layer> resnet18_layers(int64_t n) {
  return {{"resnet18_conv1_7x7s2", shape(n, 3, 224, 64, 7, 2, 3)},
          {"resnet18_layer1_3x3", shape(n, 64, 56, 64, 3, 1, 1), 4},
          {"resnet18_layer2_3x3s2", shape(n, 64, 56, 128, 3, 2, 1)},
          {"resnet18_layer2_3x3", shape(n, 128, 28, 128, 3, 1, 1), 3},
          {"resnet18_layer2_down1x1", shape(n, 64, 56, 128, 1, 2, 0)},
          {"resnet18_layer3_3x3s2", shape(n, 128, 28, 256, 3, 2, 1)},
          {"resnet18_layer3_3x3", shape(n, 256, 14, 256, 3, 1, 1), 3},
          {"resnet18_layer3_down1x1", shape(n, 128, 28, 256, 1, 2, 0)},
          {"resnet18_layer4_3x3s2", shape(n, 256, 14, 512, 3, 2, 1)},
          {"resnet18_layer4_3x3", shape(n, 512, 7, 512, 3, 1, 1), 3},
          {"resnet18_layer4_down1x1", shape(n, 256, 14, 512, 1, 2, 0)}};
}

// ResNet-50 v1.5 (torchvision: stride on the 3x3), its 53 convs as 23 distinct shapes.
std::vector<Layer> resnet50_layers(int64_t n) {
  return {{"resnet50_conv1", shape(n, 3, 224, 64, 7, 2, 3)},
          {"resnet50_layer1_1x1_64to64", shape(n, 64, 56, 64, 1, 1, 0)},
          {"resnet50_layer1_3x3", shape(n, 64, 56, 64, 3, 1, 1), 3},
          {"resnet50_layer1_1x1_64to256", shape(n, 64, 56, 256, 1, 1, 0), 4},
          {"resnet50_layer1_1x1_256to64", shape(n, 256, 56, 64, 1, 1, 0), 2},
          {"resnet50_layer2_1x1_256to128", shape(n, 256, 56, 128, 1, 1, 0)},
          {"resnet50_layer2_3x3_s2", shape(n, 128, 56, 128, 3, 2, 1)},
          {"resnet50_layer2_1x1_128to512", shape(n, 128, 28, 512, 1, 1, 0), 4},
          {"resnet50_layer2_downsample", shape(n, 256, 56, 512, 1, 2, 0)},
          {"resnet50_layer2_1x1_512to128", shape(n, 512, 28, 128, 1, 1, 0), 3},
          {"resnet50_layer2_3x3", shape(n, 128, 28, 128, 3, 1, 1), 3},
          {"resnet50_layer3_1x1_512to256", shape(n, 512, 28, 256, 1, 1, 0)},
          {"resnet50_layer3_3x3_s2", shape(n, 256, 28, 256, 3, 2, 1)},
          {"resnet50_layer3_1x1_256to1024", shape(n, 256, 14, 1024, 1, 1, 0), 6},
          {"resnet50_layer3_downsample", shape(n, 512, 28, 1024, 1, 2, 0)},
          {"resnet50_layer3_1x1_1024to256", shape(n, 1024, 14, 256, 1, 1, 0), 5},
          {"resnet50_layer3_3x3", shape(n, 256, 14, 256, 3, 1, 1), 5},
          {"resnet50_layer4_1x1_1024to512", shape(n, 1024, 14, 512, 1, 1, 0)},
          {"resnet50_layer4_3x3_s2", shape(n, 512, 14, 512, 3, 2, 1)},
          {"resnet50_layer4_1x1_512to2048", shape(n, 512, 7, 2048, 1, 1, 0), 3},
          {"resnet50_layer4_downsample", shape(n, 1024, 14, 2048, 1, 2, 0)},
          {"resnet50_layer4_1x1_2048to512", shape(n, 2048, 7, 512, 1, 1, 0), 2},
          {"resnet50_layer4_3x3", shape(n, 512, 7, 512, 3, 1, 1), 2}};
}

// MobileNetV2 (torchvision), its 52 convs as 30 distinct shapes, built from its inverted
// residual settings: the stem, then per block a 1x1 expand (but where the expansion is 1),
// a 3x3 depthwise and a 1x1 projection, and the last 1x1 into 1280.
std::vector<Layer> mobilenetv2_layers(int64_t n) {
  std::vector<Layer> layers;
  auto add = [&](const std::string& name, const Conv2dShape& s) {
    const std::string full = "mobilenetv2_" + name;
    for (Layer& l : layers)
      if (l.name == full) {
        ++l.count;
        return;
      }
    layers.push_back({full, s});
  };
  auto pointwise = [&](int64_t c, int64_t oc, int64_t hw) {
    add("1x1_" + std::to_string(c) + "to" + std::to_string(oc) + "x" + std::to_string(hw), shape(n, c, hw, oc, 1, 1, 0));
  };
  add("conv1", shape(n, 3, 224, 32, 3, 2, 1));
  int64_t c = 32, hw = 112;
  // expansion, output channels, blocks, the first block's stride
  const int64_t settings[][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2},  {6, 64, 4, 2},
                                 {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  for (const auto& st : settings)
    for (int64_t i = 0; i < st[2]; ++i) {
      const int64_t hidden = c * st[0], stride = i == 0 ? st[3] : 1, out_hw = hw / stride;
      if (st[0] != 1) pointwise(c, hidden, hw);
      add("dw_" + std::to_string(hidden) + "x" + std::to_string(hw) + (stride == 2 ? "_s2" : ""),
          shape(n, hidden, hw, hidden, 3, stride, 1, hidden));
      pointwise(hidden, st[1], out_hw);
      c = st[1];
      hw = out_hw;
    }
  pointwise(c, 1280, hw);
  return layers;
}

std::vector<Layer> other_layers() {
  return {{"resnet50_layer3_3x3", shape(1, 256, 14, 256, 3, 1, 1)},
          {"resnet50_layer1_1x1", shape(1, 64, 56, 256, 1, 1, 0)},
          {"resnet50_layer2_1x1", shape(1, 512, 28, 128, 1, 1, 0)},
          {"resnet50_layer3_1x1", shape(1, 1024, 14, 256, 1, 1, 0)},
          {"resnet50_layer4_1x1", shape(1, 512, 7, 2048, 1, 1, 0)},
          {"mobilenetv2_conv1_3x3s2", shape(1, 3, 224, 32, 3, 2, 1)},
          {"vgg16_conv1_3x3", shape(1, 3, 224, 64, 3, 1, 1)},
          {"mobilenetv2_dw3x3_144x56", shape(1, 144, 56, 144, 3, 1, 1, 144)},
          {"mobilenetv2_dw3x3s2_96x112", shape(1, 96, 112, 96, 3, 2, 1, 96)},
          {"mobilenetv2_dw3x3_192x28", shape(1, 192, 28, 192, 3, 1, 1, 192)},
          {"mobilenetv2_dw3x3s2_144x56", shape(1, 144, 56, 144, 3, 2, 1, 144)},
          {"efficientnet_dw5x5s2_144x56", shape(1, 144, 56, 144, 5, 2, 2, 144)},
          {"efficientnet_dw5x5_240x28", shape(1, 240, 28, 240, 5, 1, 2, 240)},
          {"convnext_dw7x7_96x56", shape(1, 96, 56, 96, 7, 1, 3, 96)},
          {"convnext_dw7x7_192x28", shape(1, 192, 28, 192, 7, 1, 3, 192)},
          {"convnext_dw7x7_768x7", shape(1, 768, 7, 768, 7, 1, 3, 768)},
          {"mobilenetv2_dw3x3_960x7", shape(1, 960, 7, 960, 3, 1, 1, 960)},
          {"mobilenetv3_dw5x5_960x7", shape(1, 960, 7, 960, 5, 1, 2, 960)}};
}

double conv_flops(const Conv2dShape& s) {
  return 2.0 * s.N * s.OC * s.OH() * s.OW() * (s.C / s.groups) * s.KH * s.KW;
}

// One prepared convolution of any implementation.
struct Runner {
  virtual ~Runner() = default;
  virtual void run() = 0;
};

struct TesseraConv : Runner {
  Conv2dShape s;
  bench::AlignedFloats x, y, b;  // line-aligned, as a Tensor is (oneDNN allocates its own the same way)
  kernels::PackedConv2d w;
  explicit TesseraConv(const Conv2dShape& s_) : s(s_) {
    Generator g(1);
    x.resize(s.N * s.C * s.H * s.W);
    y.resize(s.N * s.OC * s.OH() * s.OW());
    b.resize(s.OC);
    std::vector<float> wt(s.OC * (s.C / s.groups) * s.KH * s.KW);
    g.fill_normal(x.data(), x.size());
    g.fill_normal(wt.data(), wt.size());
    g.fill_normal(b.data(), b.size());
    w = kernels::pack_conv2d(wt.data(), s);
  }
  void run() override { kernels::conv2d_f32(y.data(), x.data(), w, b.data(), kernels::FusedActivation::relu, s); }
};

struct OnednnConv : Runner {
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream strm{eng};
  dnnl::convolution_forward prim;
  dnnl::memory src, wei, bia, dst;
  OnednnConv(const Conv2dShape& s, bool blocked) {
    using dt = dnnl::memory::data_type;
    using tag = dnnl::memory::format_tag;
    const dnnl::memory::dims src_d{s.N, s.C, s.H, s.W}, dst_d{s.N, s.OC, s.OH(), s.OW()};
    const dnnl::memory::dims wei_d = s.groups > 1
                                         ? dnnl::memory::dims{s.groups, s.OC / s.groups, s.C / s.groups, s.KH, s.KW}
                                         : dnnl::memory::dims{s.OC, s.C, s.KH, s.KW};
    const tag plain = blocked ? tag::any : tag::nchw;
    dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                      dnnl::memory::desc(src_d, dt::f32, plain), dnnl::memory::desc(wei_d, dt::f32, tag::any),
                                      dnnl::memory::desc({s.OC}, dt::f32, tag::x), dnnl::memory::desc(dst_d, dt::f32, plain),
                                      {s.SH, s.SW}, {s.DH - 1, s.DW - 1}, {s.PH, s.PW}, {s.PH, s.PW});
    dnnl::post_ops po;
    po.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(po);
    dnnl::convolution_forward::primitive_desc pd(d, attr, eng);
    prim = dnnl::convolution_forward(pd);
    src = dnnl::memory(pd.src_desc(), eng);
    wei = dnnl::memory(pd.weights_desc(), eng);
    bia = dnnl::memory(pd.bias_desc(), eng);
    dst = dnnl::memory(pd.dst_desc(), eng);
    Generator g(1);
    for (auto* m : {&src, &wei, &bia}) {
      float* p = static_cast<float*>(m->get_data_handle());
      g.fill_normal(p, static_cast<int64_t>(m->get_desc().get_size() / sizeof(float)));
    }
  }
  void run() override {
    prim.execute(strm, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_BIAS, bia}, {DNNL_ARG_DST, dst}});
    strm.wait();
  }
};

enum class Impl { tessera, tessera_avx2, onednn_nchw, onednn_blocked };

std::unique_ptr<Runner> make(Impl impl, const Conv2dShape& s) {
  if (impl == Impl::tessera || impl == Impl::tessera_avx2) return std::make_unique<TesseraConv>(s);
  return std::make_unique<OnednnConv>(s, impl == Impl::onednn_blocked);
}

// Every conv of `layers` prepared for one implementation, each run `count` times a pass.
struct Network {
  std::vector<std::pair<std::unique_ptr<Runner>, int>> runners;
  double flops = 0;  // of one pass
  Network(Impl impl, const std::vector<Layer>& layers) {
    for (const Layer& l : layers) {
      runners.emplace_back(make(impl, l.s), l.count);
      flops += conv_flops(l.s) * l.count;
    }
  }
  void run() {
    for (auto& [r, count] : runners)
      for (int i = 0; i < count; ++i) r->run();
  }
};

void conv_bench(benchmark::State& state, Impl impl, std::vector<Layer> layers) {
  const int threads = static_cast<int>(state.range(0));
  set_num_threads(threads);
  omp_set_num_threads(threads);
  // tessera_avx2: the GEMM-based path a CPU without AVX-512 takes (weights packed for it)
  const Isa saved = active_isa();
  if (impl == Impl::tessera_avx2) set_active_isa(Isa::avx2);
  Network net(impl, layers);
  for (auto _ : state) net.run();
  bench::set_flops_counters(state, net.flops, threads);
  set_active_isa(saved);
}

// Tessera's active path and oneDNN blocked, every conv of `layers` once per call each,
// alternating (bench_util.h run_paired).
void conv_paired_bench(benchmark::State& state, std::vector<Layer> layers) {
  const int threads = static_cast<int>(state.range(0));
  set_num_threads(threads);
  omp_set_num_threads(threads);
  std::vector<bench::PairedImpl> impls;
  double flops = 0;
  for (auto [name, impl] : {std::pair{"tessera", Impl::tessera}, std::pair{"onednn_blocked", Impl::onednn_blocked}}) {
    auto net = std::make_shared<Network>(impl, layers);
    flops = net->flops;
    impls.push_back({name, [net] { net->run(); }});
  }
  impls.push_back(bench::fma_peak_impl(flops, threads));
  bench::run_paired(state, impls, flops, threads);
}

// One layer on one thread pinned to CPU state.range(0): a memory-heavy probe of how evenly
// the CPUs run, beside peak/fma_f32/<isa>/cpu:N (a depthwise layer showed two vCPUs 1.4x
// apart while their FMA loops were 4.5 % apart).
void conv_bench_on_cpu(benchmark::State& state, Layer layer) {
  const bench::PinToCpu pin(static_cast<int>(state.range(0)));
  set_num_threads(1);
  TesseraConv conv(layer.s);
  for (auto _ : state) conv.run();
  bench::set_flops_counters(state, conv_flops(layer.s), 1);
}

// The whole networks' conv lists, batch 1, as conv_f32/<impl>/<name> and paired/conv_f32/<name>.
std::vector<std::pair<const char*, std::vector<Layer>>> networks() {
  return {{"resnet18_all", resnet18_layers(1)},
          {"resnet50_all", resnet50_layers(1)},
          {"mobilenetv2_all", mobilenetv2_layers(1)}};
}

const int registered = [] {
  const std::pair<const char*, Impl> impls[] = {{"tessera", Impl::tessera},
                                                {"tessera_avx2", Impl::tessera_avx2},
                                                {"onednn_nchw", Impl::onednn_nchw},
                                                {"onednn_blocked", Impl::onednn_blocked}};
  std::vector<Layer> singles = resnet18_layers(1);
  for (const Layer& l : other_layers()) singles.push_back(l);
  for (auto [name, impl] : impls) {
    // (The CPU's widest path, not active_isa(): that reads TESSERA_ISA, whose bad value
    // would end the process here, before main can report it.)
    const bool avx2_is_widest = bench::widest_fp32_isa() == Isa::avx2;
    if (impl == Impl::tessera_avx2 && (!isa_supported(Isa::avx2) || avx2_is_widest)) continue;
    for (auto [net, layers] : networks()) {
      auto* all = benchmark::RegisterBenchmark((std::string("conv_f32/") + name + "/" + net).c_str(), conv_bench, impl,
                                               layers);
      all->ArgName("threads")->UseRealTime()->Unit(benchmark::kMillisecond);
      for (int t : bench::thread_counts()) all->Arg(t);
    }
    for (Layer l : singles) {
      l.count = 1;
      auto* b = benchmark::RegisterBenchmark((std::string("conv_f32/") + name + "/" + l.name).c_str(), conv_bench,
                                             impl, std::vector<Layer>{l});
      b->ArgName("threads")->UseRealTime()->Unit(benchmark::kMicrosecond);
      for (int t : bench::thread_counts()) b->Arg(t);
    }
  }
  for (auto [net, layers] : networks()) {
    auto* b = benchmark::RegisterBenchmark((std::string("paired/conv_f32/") + net).c_str(), conv_paired_bench, layers);
    b->ArgName("threads")->UseManualTime()->Iterations(31)->Unit(benchmark::kMillisecond);
    for (int t : bench::thread_counts()) b->Arg(t);
  }
  if (const std::vector<int> cpus = bench::allowed_cpus(); cpus.size() >= 2)
    for (const Layer& l : other_layers())
      if (l.name == "mobilenetv2_dw3x3_144x56") {
        auto* b = benchmark::RegisterBenchmark(("conv_f32/tessera/" + l.name).c_str(), conv_bench_on_cpu, l);
        b->ArgName("cpu")->UseRealTime()->Unit(benchmark::kMicrosecond);
        for (int cpu : cpus) b->Arg(cpu);
      }
  return 0;
}();

}  // namespace
