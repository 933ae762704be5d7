// Building the benchmark's folder layout from the official ILSVRC2012 validation set:
// <out>/<wnid>/<image>, `per_class` images for each of `classes` classes spread evenly over
// the 1000 (500 classes: every other one, as the project's seed subset).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tessera::data {

// The ground truth as (image file name, wnid) pairs in validation order, read from either
//  - LOC_val_solution.csv ("ImageId,PredictionString" with the wnid first), or
//  - the devkit's ILSVRC2012_validation_ground_truth.txt (one ILSVRC2012_ID per line for
//    ILSVRC2012_val_00000001.JPEG, ...) plus `synset_order`: the wnids in ILSVRC2012_ID
//    order, one per line (the devkit's meta.mat order, which is not the class-index order).
std::vector<std::pair<std::string, std::string>> read_val_labels(const std::string& labels_path,
                                                                 const std::string& synset_order_path);

struct SubsetReport {
  int64_t classes = 0, images = 0;
  std::vector<std::string> missing;  // labelled images absent from the source folder
};

SubsetReport make_subset(const std::string& val_dir, const std::vector<std::pair<std::string, std::string>>& labels,
                         int64_t classes, int64_t per_class, const std::string& out_dir);

}  // namespace tessera::data
