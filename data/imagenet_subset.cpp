#include "data/imagenet_subset.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "data/synsets.h"
#include "tensor/error.h"

namespace tessera::data {

namespace fs = std::filesystem;

std::vector<std::pair<std::string, std::string>> read_val_labels(const std::string& labels_path,
                                                                 const std::string& synset_order_path) {
  std::ifstream in(labels_path);
  TESSERA_CHECK(in, labels_path, ": cannot open");
  std::vector<std::pair<std::string, std::string>> out;
  std::string first;
  std::getline(in, first);
  if (first.rfind("ImageId", 0) == 0) {  // LOC_val_solution.csv
    int line_no = 1;
    for (std::string line; std::getline(in, line);) {
      ++line_no;
      if (line.empty()) continue;
      const size_t comma = line.find(',');
      TESSERA_CHECK(comma != std::string::npos, labels_path, ":", line_no, ": expected 'ImageId,PredictionString'");
      std::istringstream pred(line.substr(comma + 1));
      std::string wnid;
      pred >> wnid;
      TESSERA_CHECK(imagenet_class_index(wnid) >= 0, labels_path, ":", line_no, ": '", wnid,
                    "' is not an ImageNet WordNet id");
      out.emplace_back(line.substr(0, comma) + ".JPEG", wnid);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  // devkit ground truth: ILSVRC2012_IDs, mapped through the devkit's synset order
  TESSERA_CHECK(!synset_order_path.empty(), labels_path,
                ": devkit ground truth needs --synset-order (the wnids in ILSVRC2012_ID order)");
  std::ifstream order_in(synset_order_path);
  TESSERA_CHECK(order_in, synset_order_path, ": cannot open");
  std::vector<std::string> order;
  for (std::string w; order_in >> w;) {
    TESSERA_CHECK(imagenet_class_index(w) >= 0, synset_order_path, ": '", w, "' is not an ImageNet WordNet id");
    order.push_back(w);
  }
  TESSERA_CHECK(order.size() == 1000, synset_order_path, ": expected 1000 wnids, found ", order.size());
  std::istringstream rest(first + "\n" + std::string(std::istreambuf_iterator<char>(in), {}));
  int64_t n = 0;
  for (std::string tok; rest >> tok;) {
    char* end = nullptr;
    const long id = std::strtol(tok.c_str(), &end, 10);
    TESSERA_CHECK(*end == '\0' && id >= 1 && id <= 1000, labels_path, ": line ", n + 1, ": '", tok,
                  "' is not an ILSVRC2012_ID from 1 to 1000");
    char name[64];
    std::snprintf(name, sizeof(name), "ILSVRC2012_val_%08lld.JPEG", static_cast<long long>(++n));
    out.emplace_back(name, order[id - 1]);
  }
  return out;
}

SubsetReport make_subset(const std::string& val_dir, const std::vector<std::pair<std::string, std::string>>& labels,
                         int64_t classes, int64_t per_class, const std::string& out_dir) {
  TESSERA_CHECK(classes >= 1 && classes <= 1000 && 1000 % classes == 0, "make-subset: --classes ", classes,
                " must divide 1000 (the classes are spread evenly over the 1000)");
  TESSERA_CHECK(per_class >= 1, "make-subset: --per-class must be at least 1");
  TESSERA_CHECK(fs::is_directory(val_dir), val_dir, ": not a directory");
  const int64_t step = 1000 / classes;
  std::map<std::string, int64_t> taken;
  SubsetReport report;
  const fs::path tmp = fs::path(out_dir).string() + ".tmp";
  fs::remove_all(tmp);
  for (const auto& [file, wnid] : labels) {
    const int64_t idx = imagenet_class_index(wnid);
    if (idx % step != 0 || taken[wnid] >= per_class) continue;
    const fs::path src = fs::path(val_dir) / file;
    if (!fs::exists(src)) {
      report.missing.push_back(src.string());
      continue;
    }
    fs::create_directories(tmp / wnid);
    fs::copy_file(src, tmp / wnid / file, fs::copy_options::overwrite_existing);
    if (taken[wnid]++ == 0) ++report.classes;
    ++report.images;
  }
  TESSERA_CHECK(report.images > 0, "make-subset: no labelled image of the chosen classes found in ", val_dir);
  // Build in <out>.tmp, then move into place: an interrupted run leaves no half subset.
  TESSERA_CHECK(!fs::exists(out_dir) || fs::is_empty(out_dir), out_dir, ": exists and is not empty");
  fs::remove_all(out_dir);
  fs::rename(tmp, out_dir);
  return report;
}

}  // namespace tessera::data
