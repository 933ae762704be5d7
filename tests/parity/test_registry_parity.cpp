// Every registered model names a checkpoint torchvision lists for it, and preprocesses
// exactly as that checkpoint's transforms (resize, crop, interpolation) do.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "models/registry.h"
#include "weights/pth.h"
#include "tests/parity/parity.h"

using namespace tessera;

TEST_CASE("model registry: torchvision weight file names and eval presets") {
  struct Entry {
    std::string model;
    int64_t resize, crop;
    std::string interp;
  };
  std::map<std::string, Entry> by_file;
  std::ifstream in(testing::parity_dir() + "/registry/weights.txt");
  REQUIRE(in);
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    Entry e;
    std::string file;
    ls >> e.model >> file >> e.resize >> e.crop >> e.interp;
    by_file[file] = e;
  }
  REQUIRE(by_file.size() > 50);
  int checked = 0;
  for (const models::ModelInfo& m : models::model_zoo()) {
    CAPTURE(m.name);
    auto it = by_file.find(m.torchvision_weights);
    REQUIRE_MESSAGE(it != by_file.end(), m.torchvision_weights, " is not a torchvision 0.14 weight file");
    CHECK(it->second.model == m.name);
    CHECK(it->second.resize == m.resize_size);
    CHECK(it->second.crop == m.crop_size);
    CHECK(it->second.interp == std::string(m.bicubic ? "bicubic" : "bilinear"));
    ++checked;
  }
  MESSAGE(checked, " registered models match torchvision's weight files and eval transforms");
}

TEST_CASE("published checkpoint layouts load strictly after the model's adapter") {
  for (const char* name : {"densenet121", "googlenet"}) {
    CAPTURE(name);
    const models::ModelInfo& info = models::model_info(name);
    StateDict sd = load_pth(testing::parity_dir() + "/registry/" + name + "_published.pth");
    auto model = models::create_model(name);
    CHECK_THROWS_AS(model->load_state_dict(sd, true), Error);  // as published: keys differ
    REQUIRE(info.adapt_checkpoint);
    info.adapt_checkpoint(sd);
    CHECK_NOTHROW(model->load_state_dict(sd, true));
  }
}
