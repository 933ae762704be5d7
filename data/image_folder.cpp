#include "data/image_folder.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "data/synsets.h"
#include "tensor/error.h"

namespace tessera::data {

namespace fs = std::filesystem;

bool has_image_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* e : {".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"})
    if (ext == e) return true;
  return false;
}

ImageFolder::ImageFolder(const std::string& root, bool allow_unknown) {
  std::error_code ec;
  TESSERA_CHECK(fs::is_directory(root, ec), root, ": not a directory");
  std::vector<fs::path> folders;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory()) folders.push_back(e.path());
  std::sort(folders.begin(), folders.end());
  for (const fs::path& dir : folders) {
    const std::string wnid = dir.filename().string();
    const int64_t label = imagenet_class_index(wnid);
    if (label < 0) {
      TESSERA_CHECK(allow_unknown, dir.string(), ": folder name is not one of the 1000 ImageNet WordNet ids ",
                    "(use --allow-unknown to skip such folders)");
      skipped_.push_back(dir.string());
      continue;
    }
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file() && has_image_extension(e.path().string())) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    for (auto& f : files) samples_.push_back({std::move(f), label});
    ++classes_;
  }
  TESSERA_CHECK(!samples_.empty(), root, ": no images found in class folders");
}

}  // namespace tessera::data
