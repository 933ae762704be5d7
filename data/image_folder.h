// ImageFolder for ImageNet-style validation sets: one folder per class, named by its
// WordNet id. The label is the id's position in the 1000-class synset list (never the
// folder's rank among the folders present), as torchvision's ImageNet weights expect.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::data {

struct Sample {
  std::string path;
  int64_t label;  // ImageNet class index
};

class ImageFolder {
 public:
  // Folders and files are taken in sorted order; file extensions as torchvision's
  // IMG_EXTENSIONS, case-insensitive. A folder that is not a WordNet id of the 1000
  // classes is an error, or skipped (and listed in skipped_folders) with allow_unknown.
  explicit ImageFolder(const std::string& root, bool allow_unknown = false);

  const std::vector<Sample>& samples() const { return samples_; }
  const std::vector<std::string>& skipped_folders() const { return skipped_; }
  int64_t num_classes_present() const { return classes_; }

 private:
  std::vector<Sample> samples_;
  std::vector<std::string> skipped_;
  int64_t classes_ = 0;
};

bool has_image_extension(const std::string& path);

}  // namespace tessera::data
