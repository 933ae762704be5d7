// VGG, MobileNet V2/V3, DenseNet and GoogLeNet vs torchvision on the same random weights
// (BN statistics and biases perturbed away from their constant inits), read from
// torch.save's .pth with strict loading, at batch 1 and 2 (see gen_zoo_cnn.py for which
// models run at a reduced input or classifier size, and why).
//
// Tolerance, per model and batch, with S = max|reference logit|: max|Δlogit| <= 1e-4 * S.
// Both sides sum fp32 products of length up to 4608 in different orders (and Tessera folds
// BN into convs, commutes DenseNet's transition pool with its conv): the drift seen is
// ~1e-6 * S. Top-1 must agree wherever the reference's top-2 margin exceeds the tolerance.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "models/registry.h"
#include "models/vgg.h"
#include "tensor/npy.h"
#include "tests/parity/parity.h"
#include "weights/pth.h"

using namespace tessera;

namespace {

std::string dir() { return testing::parity_dir() + "/zoo_cnn"; }

// "vgg:DEPTH:BN:HIDDEN" (torchvision's VGG with a narrower classifier) or a registered name.
std::shared_ptr<nn::Module> make(const std::string& factory) {
  if (factory.rfind("vgg:", 0) != 0) return models::create_model(factory);
  int depth = 0, bn = 0, hidden = 0;
  TESSERA_CHECK(std::sscanf(factory.c_str(), "vgg:%d:%d:%d", &depth, &bn, &hidden) == 3, "bad factory ", factory);
  auto m = std::make_shared<models::VGG>(models::vgg_cfg(depth), bn != 0, 1000, hidden);
  m->eval();
  return m;
}

// The row's top-1 index and its margin over the runner-up.
// Runs every model of models.txt whose stem starts with `prefix`; returns how many.
int check_family(const std::string& prefix) {
  std::ifstream list(dir() + "/models.txt");
  REQUIRE(list);
  int models = 0;
  std::string stem, factory;
  int size = 0;
  while (list >> stem >> size >> factory) {
    if (stem.rfind(prefix, 0) != 0) continue;
    CAPTURE(stem);
    auto model = make(factory);
    model->load_state_dict(load_pth(dir() + "/" + stem + ".pth"), true);
    for (int b : {1, 2}) {
      CAPTURE(b);
      const Tensor x = read_npy(dir() + "/x" + std::to_string(size) + "_" + std::to_string(b) + ".npy");
      const Tensor want = read_npy(dir() + "/" + stem + ".logits" + std::to_string(b) + ".npy");
      const auto [diff, scale] = testing::check_logits(model->forward(x), want);
      MESSAGE(stem, " @", size, " batch ", b, ": max|Δlogit| = ", diff, " (", diff / scale, " of the logit scale ",
              scale, ")");
    }
    ++models;
  }
  return models;
}

}  // namespace

TEST_CASE("zoo_cnn MobileNet V2 and V3 match torchvision at batch 1 and 2") { CHECK(check_family("mobilenet") == 3); }
TEST_CASE("zoo_cnn VGG plain and BN match torchvision at batch 1 and 2") { CHECK(check_family("vgg") == 8); }
TEST_CASE("zoo_cnn DenseNet matches torchvision at batch 1 and 2") { CHECK(check_family("densenet") == 4); }
TEST_CASE("zoo_cnn GoogLeNet matches torchvision at batch 1 and 2") { CHECK(check_family("googlenet") == 1); }

TEST_CASE("zoo_cnn registered models have torchvision's state_dict keys, order and shapes") {
  std::ifstream list(dir() + "/keys.txt");
  REQUIRE(list);
  std::string current;
  StateDict sd;
  size_t index = 0;
  int models = 0;
  auto finish = [&] {
    if (current.empty()) return;
    CAPTURE(current);
    CHECK(index == sd.size());  // no extra keys on Tessera's side
    ++models;
  };
  std::string name, key, shape;
  while (list >> name >> key >> shape) {
    if (name != current) {
      finish();
      current = name;
      sd = models::create_model(name)->state_dict();
      index = 0;
    }
    CAPTURE(key);
    REQUIRE(index < sd.size());
    const StateEntry& e = sd.entries()[index++];
    CHECK(e.name == key);
    std::ostringstream s;
    for (int64_t d = 0; d < e.tensor.dim(); ++d) s << (d ? "," : "") << e.tensor.size(d);
    CHECK((e.tensor.dim() == 0 ? "-" : s.str()) == shape);
  }
  finish();
  CHECK(models == 16);
}
