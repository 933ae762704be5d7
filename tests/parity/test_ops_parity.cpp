// The non-GEMM forward kernels vs PyTorch 1.13 (gen_ops.py), on every ISA path this CPU has.
// Tolerances (|tessera - torch| <= atol + rtol |torch|), per op:
//   relu, relu6, hardswish, hardsigmoid, add, mul, add_relu, layer_scale, concat, max_pool:
//     exact: the same single IEEE operations (or a selection / copy).
//   sigmoid, silu: atol 1e-7, rtol 1e-6 (two exp implementations, each within ~2 ulp).
//   gelu: atol 5e-7, rtol 1e-6 (torch's vectorised erf is Abramowitz-Stegun 7.1.26, 1.5e-7
//     absolute; times 0.5|x|). gelu_tanh: atol 5e-7, rtol 1e-6 (1 + tanh rounding, ditto).
//   batchnorm: atol 1e-6, rtol 1e-6 (both fold to x * scale + shift; roundings of the fold).
//   softmax: atol 1e-7, rtol 1e-6; log_softmax: atol 2e-6, rtol 1e-6.
//   layernorm, layernorm2d: atol 2e-6, rtol 1e-6 (float moments on both sides).
//   avg_pool, adaptive_avg_pool: atol 1e-6, rtol 1e-6 (float sums in different orders).
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "kernels/activation.h"
#include "kernels/batchnorm.h"
#include "kernels/concat.h"
#include "kernels/elementwise.h"
#include "kernels/layernorm.h"
#include "kernels/pool.h"
#include "kernels/softmax.h"
#include "tensor/npy.h"
#include "tests/kernels/kernel_test_util.h"
#include "tests/parity/parity.h"

using namespace tessera;
using namespace tessera::kernels;

namespace {

struct Case {
  std::string name, op;
  std::map<std::string, std::string> params;
  double num(const std::string& k) const { return std::stod(params.at(k)); }
  int64_t i(const std::string& k) const { return std::stoll(params.at(k)); }
};

struct Tol {
  double atol, rtol;
};

Tol tolerance(const Case& c) {
  if (c.op == "activation") {
    const std::string& a = c.params.at("act");
    if (a == "sigmoid" || a == "silu") return {1e-7, 1e-6};
    if (a == "gelu" || a == "gelu_tanh") return {5e-7, 1e-6};
    return {0, 0};
  }
  if (c.op == "batchnorm") return {1e-6, 1e-6};
  if (c.op == "softmax") return c.i("log") ? Tol{2e-6, 1e-6} : Tol{1e-7, 1e-6};
  if (c.op == "layernorm" || c.op == "layernorm2d") return {2e-6, 1e-6};
  if (c.op == "avg_pool2d" || c.op == "adaptive_avg_pool2d") return {1e-6, 1e-6};
  return {0, 0};
}

Activation parse_activation(const std::string& s) {
  for (Activation a : {Activation::relu, Activation::relu6, Activation::gelu, Activation::gelu_tanh,
                       Activation::silu, Activation::hardswish, Activation::hardsigmoid, Activation::sigmoid})
    if (s == activation_name(a)) return a;
  throw Error("gen_ops.py: unknown activation " + s);
}

// Runs the Tessera kernel of case c on the loaded inputs; returns its output.
Tensor run(const Case& c, const std::string& dir, const Tensor& want) {
  auto in = [&](const std::string& n) { return read_npy(dir + "/" + c.name + "." + n + ".npy"); };
  Tensor y = Tensor::empty(want.shape());
  float* yp = y.data<float>();
  if (c.op == "activation") {
    const Tensor x = in("x");
    activation_f32(parse_activation(c.params.at("act")), yp, x.data<float>(), x.numel());
  } else if (c.op == "batchnorm") {
    const Tensor x = in("x"), g = in("gamma"), b = in("beta"), m = in("mean"), v = in("var");
    batchnorm_inference_f32(yp, x.data<float>(), g.data<float>(), b.data<float>(), m.data<float>(), v.data<float>(),
                            float(c.num("eps")), x.size(0), x.size(1), x.size(2) * x.size(3), c.i("relu") != 0);
  } else if (c.op == "softmax") {
    const Tensor x = in("x");
    (c.i("log") ? log_softmax_f32 : softmax_f32)(yp, x.data<float>(), x.size(0), x.size(1));
  } else if (c.op == "layernorm") {
    const Tensor x = in("x"), g = in("gamma"), b = in("beta");
    layernorm_f32(yp, nullptr, nullptr, x.data<float>(), g.data<float>(), b.data<float>(), x.size(0), x.size(1),
                  float(c.num("eps")));
  } else if (c.op == "layernorm2d") {
    const Tensor x = in("x"), g = in("gamma"), b = in("beta");
    layernorm2d_f32(yp, nullptr, nullptr, x.data<float>(), g.data<float>(), b.data<float>(), x.size(0), x.size(1),
                    x.size(2) * x.size(3), float(c.num("eps")));
  } else if (c.op == "add" || c.op == "mul" || c.op == "add_relu") {
    const Tensor a = in("a"), b = in("b");
    const BinaryOp op = c.op == "add" ? BinaryOp::add : c.op == "mul" ? BinaryOp::mul : BinaryOp::add_relu;
    binary_f32(op, yp, y.shape().data(), int(y.dim()), a.data<float>(), a.shape().data(), int(a.dim()),
               b.data<float>(), b.shape().data(), int(b.dim()));
  } else if (c.op == "layer_scale") {
    const Tensor x = in("x"), g = in("gamma");
    layer_scale_f32(yp, x.data<float>(), g.data<float>(), x.size(0), x.size(1), x.size(2) * x.size(3));
  } else if (c.op == "concat") {
    std::vector<Tensor> xs;
    std::vector<const float*> ptrs;
    std::vector<int64_t> sizes;
    const int64_t dim = c.i("dim");
    for (int64_t k = 0; k < c.i("n"); ++k) {
      std::string name = "x";  // (appending, not "x" + to_string(k): GCC 12 misreads that as an overlap)
      name += std::to_string(k);
      xs.push_back(in(name));
    }
    for (const Tensor& t : xs) ptrs.push_back(t.data<float>()), sizes.push_back(t.size(dim));
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < dim; ++d) outer *= want.size(d);
    for (int64_t d = dim + 1; d < want.dim(); ++d) inner *= want.size(d);
    concat_f32(yp, ptrs.data(), sizes.data(), int(ptrs.size()), outer, inner);
  } else if (c.op == "max_pool2d" || c.op == "avg_pool2d") {
    const Tensor x = in("x");
    Pool2dParams p;
    p.kh = p.kw = c.i("k"), p.sh = p.sw = c.i("s"), p.ph = p.pw = c.i("p");
    p.ceil_mode = c.i("ceil") != 0;
    const bool is_max = c.op == "max_pool2d";
    if (is_max) p.dh = p.dw = c.i("d");
    else p.count_include_pad = c.i("cip") != 0;
    // Torch's output size (incl. the dropped ceil_mode window) must be ours.
    REQUIRE(pool_output_size(x.size(2), p.kh, p.sh, p.ph, p.dh, p.ceil_mode) == want.size(2));
    REQUIRE(pool_output_size(x.size(3), p.kw, p.sw, p.pw, p.dw, p.ceil_mode) == want.size(3));
    if (is_max) max_pool2d_f32(yp, nullptr, x.data<float>(), x.size(0), x.size(1), x.size(2), x.size(3), p);
    else avg_pool2d_f32(yp, x.data<float>(), x.size(0), x.size(1), x.size(2), x.size(3), p);
  } else if (c.op == "adaptive_avg_pool2d") {
    const Tensor x = in("x");
    adaptive_avg_pool2d_f32(yp, x.data<float>(), x.size(0), x.size(1), x.size(2), x.size(3), c.i("oh"), c.i("ow"));
  } else {
    throw Error("gen_ops.py: unknown op " + c.op);
  }
  return y;
}

}  // namespace

TEST_CASE("non-GEMM forward ops match PyTorch on every ISA path") {
  const std::string dir = testing::parity_dir() + "/ops";
  std::ifstream list(dir + "/cases.txt");
  REQUIRE(list);
  std::vector<Case> cases;
  for (std::string line; std::getline(list, line);) {
    std::istringstream is(line);
    Case c;
    is >> c.name >> c.op;
    for (std::string kv; is >> kv;) c.params[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    if (!c.name.empty()) cases.push_back(c);
  }
  CHECK(cases.size() >= 30);
  std::ostringstream worst;
  testing::for_each_isa([&](Isa isa) {
    for (const Case& c : cases) {
      CAPTURE(c.name);
      const Tensor want = read_npy(dir + "/" + c.name + ".y.npy");
      const Tensor got = run(c, dir, want);
      const Tol t = tolerance(c);
      TESSERA_CHECK_CLOSE(got.data<float>(), want.data<float>(), want.numel(), t.atol, t.rtol);
      worst << isa_name(isa) << ' ' << c.name << " max_abs_diff=" << max_abs_diff(got, want) << '\n';
    }
  });
  MESSAGE("worst differences vs torch:\n" << worst.str());
}
