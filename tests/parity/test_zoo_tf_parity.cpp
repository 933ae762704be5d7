// ViT, Swin and ConvNeXt vs torchvision on the same (random, perturbed) weights, read
// straight from torch.save's .pth with strict loading, at batch 1 and 2 (full size: 1). The cases
// (tests/parity/gen_zoo_tf.py) are reduced configurations built with torchvision's own
// classes plus one full-size model per family; each line of cases.txt carries the
// constructor arguments, which map one to one onto Tessera's config structs.
//
// Tolerance (per case, S = max|logit| of the reference): max |Δlogit| <= 1e-4 * S. Both
// engines accumulate fp32 dot products of length up to 4 x hidden in different orders,
// through exp/erf approximations, over up to ~30 residual blocks; the expected drift is
// ~1e-6 * S. Top-1 must agree wherever the reference's top-2 margin exceeds that tolerance.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "models/convnext.h"
#include "models/registry.h"
#include "models/swin.h"
#include "models/vit.h"
#include "tensor/npy.h"
#include "tests/parity/parity.h"
#include "weights/pth.h"

using namespace tessera;

namespace {

using Args = std::map<std::string, std::string>;

struct Case {
  std::string name, family;
  Args args;
};

std::vector<Case> read_cases(const std::string& dir) {
  std::ifstream f(dir + "/cases.txt");
  TESSERA_CHECK(f, "cannot open ", dir, "/cases.txt");
  std::vector<Case> cases;
  for (std::string line; std::getline(f, line);) {
    std::istringstream is(line);
    Case c;
    if (!(is >> c.name >> c.family)) continue;
    for (std::string kv; is >> kv;) {
      const auto eq = kv.find('=');
      TESSERA_CHECK(eq != std::string::npos, "cases.txt: bad argument '", kv, "'");
      c.args[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    cases.push_back(c);
  }
  return cases;
}

int64_t arg_int(const Args& a, const std::string& key, int64_t fallback) {
  const auto it = a.find(key);
  return it == a.end() ? fallback : std::stoll(it->second);
}

std::shared_ptr<nn::Module> make_vit(const Args& a) {
  if (a.count("preset")) {
    const std::string p = a.at("preset");
    if (p == "vit_b_16") return models::vit_b_16();
    if (p == "vit_b_32") return models::vit_b_32();
    if (p == "vit_l_16") return models::vit_l_16();
    throw Error("unknown ViT preset " + p);
  }
  models::ViTConfig c;
  c.image_size = arg_int(a, "image_size", c.image_size);
  c.patch_size = arg_int(a, "patch_size", c.patch_size);
  c.num_layers = arg_int(a, "num_layers", c.num_layers);
  c.num_heads = arg_int(a, "num_heads", c.num_heads);
  c.hidden_dim = arg_int(a, "hidden_dim", c.hidden_dim);
  c.mlp_dim = arg_int(a, "mlp_dim", c.mlp_dim);
  c.num_classes = arg_int(a, "num_classes", c.num_classes);
  return std::make_shared<models::VisionTransformer>(c);
}

std::shared_ptr<nn::Module> make_convnext(const Args& a) {
  if (a.count("preset")) {
    const std::string p = a.at("preset");
    if (p == "convnext_tiny") return models::convnext_tiny();
    if (p == "convnext_small") return models::convnext_small();
    if (p == "convnext_base") return models::convnext_base();
    throw Error("unknown ConvNeXt preset " + p);
  }
  models::ConvNeXtConfig c;
  std::istringstream blocks(a.at("blocks"));  // "in/out/layers,...", out 0 for None
  for (std::string b; std::getline(blocks, b, ',');) {
    models::CNBlockConfig s{};
    char slash1 = 0, slash2 = 0;
    std::istringstream(b) >> s.input_channels >> slash1 >> s.out_channels >> slash2 >> s.num_layers;
    c.block_setting.push_back(s);
  }
  c.num_classes = arg_int(a, "num_classes", c.num_classes);
  return std::make_shared<models::ConvNeXt>(c);
}

std::vector<int64_t> arg_list(const Args& a, const std::string& key) {
  std::vector<int64_t> v;
  std::istringstream is(a.at(key));
  for (std::string item; std::getline(is, item, ',');) v.push_back(std::stoll(item));
  return v;
}

std::shared_ptr<nn::Module> make_swin(const Args& a) {
  if (a.count("preset")) {
    const std::string p = a.at("preset");
    if (p == "swin_t") return models::swin_t();
    if (p == "swin_s") return models::swin_s();
    if (p == "swin_b") return models::swin_b();
    throw Error("unknown Swin preset " + p);
  }
  models::SwinConfig c;
  const auto patch = arg_list(a, "patch_size"), window = arg_list(a, "window_size");
  REQUIRE(patch.size() == 2);
  REQUIRE(window.size() == 2);
  c.patch_size = {patch[0], patch[1]};
  c.window_size = {window[0], window[1]};
  c.embed_dim = arg_int(a, "embed_dim", c.embed_dim);
  c.depths = arg_list(a, "depths");
  c.num_heads = arg_list(a, "num_heads");
  c.num_classes = arg_int(a, "num_classes", c.num_classes);
  return std::make_shared<models::SwinTransformer>(c);
}

std::shared_ptr<nn::Module> make_model(const Case& c) {
  std::shared_ptr<nn::Module> m;
  if (c.family == "vit") m = make_vit(c.args);
  if (c.family == "convnext") m = make_convnext(c.args);
  if (c.family == "swin") m = make_swin(c.args);
  TESSERA_CHECK(m, "unknown family '", c.family, "' in cases.txt");
  m->eval();
  return m;
}

// The two largest values of a row: (index of the largest, margin to the second).
void check_family(const std::string& family) {
  const std::string dir = testing::parity_dir() + "/zoo_tf";
  int cases = 0;
  for (const Case& c : read_cases(dir)) {
    if (c.family != family) continue;
    CAPTURE(c.name);
    const auto t0 = std::chrono::steady_clock::now();
    auto model = make_model(c);
    model->load_state_dict(load_pth(dir + "/" + c.name + ".pth"), true);
    const std::string size = c.args.at("input");
    std::istringstream batches(c.args.at("batches"));
    for (std::string bs; std::getline(batches, bs, ',');) {
      const int b = std::stoi(bs);
      CAPTURE(b);
      const Tensor x = read_npy(dir + "/x" + size + "_" + std::to_string(b) + ".npy");
      const Tensor want = read_npy(dir + "/" + c.name + ".logits" + std::to_string(b) + ".npy");
      const auto [diff, scale] = testing::check_logits(model->forward(x), want);
      MESSAGE(c.name, " batch ", b, ": max|Δlogit| = ", diff, " (", diff / scale, " of the logit scale ", scale, ")");
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    MESSAGE(c.name, ": load + forwards in ", secs, " s");
    ++cases;
  }
  CHECK(cases >= 2);  // the generator wrote this family's cases
}

// Every preset's state_dict (names, order, shapes) equals torchvision's: what a strict
// load of the ImageNet checkpoint needs, without running the big models.
void check_presets(const std::vector<std::pair<std::string, std::shared_ptr<nn::Module>>>& presets) {
  const std::string dir = testing::parity_dir() + "/zoo_tf";
  for (const auto& [name, model] : presets) {
    CAPTURE(name);
    std::ifstream f(dir + "/" + name + ".keys.txt");
    REQUIRE(f);
    std::vector<std::string> want;
    for (std::string key, shape; f >> key >> shape;) want.push_back(key + " " + shape);
    std::vector<std::string> got;
    for (const StateEntry& e : model->state_dict()) {
      std::string shape;
      for (int64_t d : e.tensor.shape()) {
        if (!shape.empty()) shape += ',';
        shape += std::to_string(d);
      }
      got.push_back(e.name + " " + shape);
    }
    CHECK(got.size() == want.size());
    for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
      CAPTURE(i);
      CHECK(got[i] == want[i]);
      if (got[i] != want[i]) break;
    }
  }
}

}  // namespace

TEST_CASE("zoo_tf: ViT (torchvision VisionTransformer) matches torchvision at batch 1 and 2") { check_family("vit"); }

TEST_CASE("zoo_tf: vit_b_16 has torchvision's state_dict names and shapes") {
  check_presets({{"vit_b_16", models::vit_b_16()}});
}

TEST_CASE("zoo_tf: ConvNeXt (torchvision ConvNeXt) matches torchvision at batch 1 and 2") { check_family("convnext"); }

TEST_CASE("zoo_tf: convnext_small has torchvision's state_dict names and shapes") {
  check_presets({{"convnext_small", models::convnext_small()}});
}

TEST_CASE("zoo_tf: Swin (torchvision SwinTransformer) matches torchvision at batch 1 and 2") { check_family("swin"); }

TEST_CASE("zoo_tf: swin_b has torchvision's state_dict names and shapes") {
  check_presets({{"swin_b", models::swin_b()}});
}

TEST_CASE("zoo_tf: the registry builds every ViT/Swin/ConvNeXt under torchvision's name and weight file") {
  std::ifstream f(testing::parity_dir() + "/zoo_tf/weights.txt");
  REQUIRE(f);
  int n = 0;
  for (std::string name, file; f >> name >> file; ++n) {
    CAPTURE(name);
    CHECK(models::model_info(name).torchvision_weights == file);
  }
  CHECK(n == 9);
  CHECK(models::create_model("swin_t", 10)->state_dict().at("head.weight").shape() == Shape{10, 768});
}
