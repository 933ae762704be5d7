// Every registered model names a checkpoint torchvision lists for it, and preprocesses
// exactly as that checkpoint's transforms (resize, crop, interpolation) do.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "models/registry.h"
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
