// ResNet-18/34/50/101/152 vs torchvision on the same (random, BN-perturbed) weights read
// straight from torch.save's .pth, at batch 1 and 4.
//
// Tolerance (per the model's logit scale S = max|logit|): max |Δlogit| <= 1e-4 * S and
// <= 1e-3, top-1 identical. Both engines accumulate fp32 dot products of length up to
// 4608 in different orders through up to 155 layers; the expected drift is ~1e-6 * S.
// Then Tessera writes its state_dict back as .pth for check_resnet.py to load in PyTorch.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <string>

#include "models/registry.h"
#include "tensor/npy.h"
#include "tests/parity/parity.h"
#include "weights/pth.h"

using namespace tessera;

TEST_CASE("ResNet family matches torchvision at batch 1 and 4, then writes .pth back") {
  const std::string dir = testing::parity_dir() + "/resnet";
  std::ifstream list(dir + "/models.txt");
  REQUIRE(list);
  int models = 0;
  for (std::string name; list >> name;) {
    auto model = models::create_model(name);
    model->load_state_dict(load_pth(dir + "/" + name + ".pth"), true);
    for (int b : {1, 4}) {
      const Tensor x = read_npy(dir + "/x" + std::to_string(b) + ".npy");
      const Tensor want = read_npy(dir + "/" + name + ".logits" + std::to_string(b) + ".npy");
      const Tensor got = model->forward(x);
      CAPTURE(name);
      CAPTURE(b);
      const auto [diff, scale] = testing::check_logits(got, want);  // <= 1e-4 * scale
      CHECK(diff <= 1e-3);
      for (int64_t r = 0; r < b; ++r) CHECK(testing::top1(got, r).first == testing::top1(want, r).first);
      MESSAGE(name, " batch ", b, ": max|Δlogit| = ", diff, " (", diff / scale, " of the logit scale ", scale, ")");
    }
    if (name == "resnet18" || name == "resnet50") save_pth(dir + "/tessera_" + name + ".pth", model->state_dict());
    ++models;
  }
  CHECK(models == 5);
}

TEST_CASE("load_state_dict reports every missing, unexpected and mismatched key at once") {
  const std::string dir = testing::parity_dir() + "/resnet";
  StateDict sd = load_pth(dir + "/resnet18.pth");
  auto model = models::create_model("resnet18", 10);  // fc is [10, 512]: a size mismatch
  StateDict broken;
  for (const StateEntry& e : sd)
    if (e.name != "layer1.0.bn1.running_var") broken.add(e.name, e.tensor, e.file_dtype);
  broken.add("extra.weight", Tensor::zeros({1}));
  try {
    model->load_state_dict(broken, true);
    FAIL("no error");
  } catch (const Error& e) {
    const std::string msg = e.what();
    CHECK(msg.find("size mismatch for fc.weight (checkpoint [1000, 512], model [10, 512])") != std::string::npos);
    CHECK(msg.find("missing keys: layer1.0.bn1.running_var") != std::string::npos);
    CHECK(msg.find("unexpected keys: extra.weight") != std::string::npos);
  }
  // non-strict still refuses a shape mismatch, as PyTorch does
  CHECK_THROWS_AS(model->load_state_dict(broken, false), Error);
}
