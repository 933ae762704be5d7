// ImageFolder labels, make-subset from both ground-truth formats, decode errors.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "data/batch_loader.h"
#include "data/image.h"
#include "data/image_folder.h"
#include "data/imagenet_subset.h"
#include "data/synsets.h"
#include "tensor/error.h"

using namespace tessera;
namespace fs = std::filesystem;

namespace {
fs::path scratch_dir(const char* name) {
  fs::path d = fs::temp_directory_path() / (std::string("tessera_") + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}
void touch(const fs::path& p, const std::string& bytes = "x") { std::ofstream(p, std::ios::binary) << bytes; }
}  // namespace

TEST_CASE("synsets: 1000 classes in index order") {
  CHECK(data::imagenet_synsets().size() == 1000);
  CHECK(data::imagenet_class_index("n01440764") == 0);
  CHECK(data::imagenet_class_index("n15075141") == 999);
  CHECK(data::imagenet_class_index("n00000000") == -1);
  CHECK(data::imagenet_synsets()[0].name == "tench, Tinca tinca");
}

TEST_CASE("ImageFolder: label = synset index, not folder rank; unknown folders fail or are skipped") {
  const fs::path root = scratch_dir("folder");
  fs::create_directories(root / "n15075141");
  fs::create_directories(root / "n01443537");
  touch(root / "n15075141" / "a.JPEG");
  touch(root / "n15075141" / "b.Png");
  touch(root / "n15075141" / "notes.txt");
  touch(root / "n01443537" / "c.jpg");
  data::ImageFolder f(root.string());
  REQUIRE(f.samples().size() == 3);
  CHECK(f.samples()[0].label == 1);    // n01443537 goldfish
  CHECK(f.samples()[1].label == 999);  // n15075141, though only the 2nd folder present
  CHECK(f.num_classes_present() == 2);
  fs::create_directories(root / "cats");
  CHECK_THROWS_AS(data::ImageFolder(root.string()), Error);
  data::ImageFolder lenient(root.string(), true);
  CHECK(lenient.skipped_folders().size() == 1);
  CHECK_THROWS_AS(data::ImageFolder((root / "missing").string()), Error);
  fs::remove_all(root);
}

TEST_CASE("decode errors name the file and the reason") {
  const fs::path root = scratch_dir("decode");
  touch(root / "bad.JPEG", std::string("\xFF\xD8\xFF\xE0 truncated", 14));
  touch(root / "text.png", "not an image");
  CHECK_THROWS_WITH_AS(data::decode_image((root / "empty.jpg").string()),
                       doctest::Contains("cannot open"), Error);
  try {
    data::decode_image((root / "bad.JPEG").string());
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("bad.JPEG: cannot decode JPEG") != std::string::npos);
  }
  CHECK_THROWS_WITH_AS(data::decode_image((root / "text.png").string()), doctest::Contains("cannot decode image"), Error);
  fs::remove_all(root);
}

TEST_CASE("make-subset: LOC_val_solution.csv and devkit ground truth give the seed layout") {
  const fs::path root = scratch_dir("subset");
  const fs::path val = root / "val";
  fs::create_directories(val);
  // images 1..6: classes 0 (tench), 1 (goldfish), 0, 2, 999, 2
  const char* wnids[] = {"n01440764", "n01443537", "n01440764", "n01484850", "n15075141", "n01484850"};
  std::ofstream loc(root / "LOC_val_solution.csv");
  loc << "ImageId,PredictionString\n";
  for (int i = 0; i < 6; ++i) {
    char name[40];
    std::snprintf(name, sizeof(name), "ILSVRC2012_val_%08d", i + 1);
    touch(val / (std::string(name) + ".JPEG"));
    loc << name << "," << wnids[i] << " 1 2 3 4\n";
  }
  loc.close();
  const auto labels = data::read_val_labels((root / "LOC_val_solution.csv").string(), "");
  REQUIRE(labels.size() == 6);
  const data::SubsetReport r = data::make_subset(val.string(), labels, 500, 1, (root / "out").string());
  CHECK(r.images == 2);  // even classes only: tench (first image) and n01484850 (class 2)
  CHECK(fs::exists(root / "out" / "n01440764" / "ILSVRC2012_val_00000001.JPEG"));
  CHECK(fs::exists(root / "out" / "n01484850" / "ILSVRC2012_val_00000004.JPEG"));
  CHECK_FALSE(fs::exists(root / "out" / "n01443537"));
  // devkit form: IDs through a synset order (here: reversed class order)
  std::ofstream order(root / "order.txt");
  for (int i = 999; i >= 0; --i) order << data::imagenet_synsets()[i].wnid << "\n";
  order.close();
  std::ofstream gt(root / "gt.txt");
  gt << "1000\n999\n1\n";  // -> class 0, class 1, class 999
  gt.close();
  const auto dev = data::read_val_labels((root / "gt.txt").string(), (root / "order.txt").string());
  REQUIRE(dev.size() == 3);
  CHECK(dev[0] == std::make_pair(std::string("ILSVRC2012_val_00000001.JPEG"), std::string("n01440764")));
  CHECK(dev[2].second == "n15075141");
  CHECK_THROWS_AS(data::read_val_labels((root / "gt.txt").string(), ""), Error);
  CHECK_THROWS_AS(data::make_subset(val.string(), labels, 300, 1, (root / "out2").string()), Error);
  fs::remove_all(root);
}

TEST_CASE("BatchLoader: undecodable files are reported with their batch, the rest batched in order") {
  const fs::path root = scratch_dir("loader");
  fs::create_directories(root / "n01440764");
  const std::string good = "tests/data/imagenet-sample/n01440764/n01440764_tench.JPEG";
  const std::string src = fs::exists(good) ? good : std::string(TESSERA_SOURCE_DIR) + "/" + good;
  fs::copy_file(src, root / "n01440764" / "a.JPEG");
  touch(root / "n01440764" / "b.JPEG", std::string("\xFF\xD8\xFF\xE0 broken", 11));
  fs::copy_file(src, root / "n01440764" / "c.JPEG");
  data::ImageFolder folder(root.string());
  data::BatchLoader loader(folder.samples(), 2, data::EvalPreset{});
  data::Batch b;
  REQUIRE(loader.next(b));
  CHECK(b.images.shape() == Shape{1, 3, 224, 224});
  REQUIRE(b.failures.size() == 1);
  CHECK(b.failures[0].first.find("b.JPEG") != std::string::npos);
  CHECK(b.failures[0].second.find("cannot decode JPEG") != std::string::npos);
  REQUIRE(loader.next(b));
  CHECK(b.images.size(0) == 1);
  CHECK(b.labels == std::vector<int64_t>{0});
  CHECK_FALSE(loader.next(b));
  fs::remove_all(root);
}
