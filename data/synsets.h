// The 1000 ImageNet classes in class-index order (data/imagenet_synsets.txt, embedded
// into the binary at build time): class index = line number, never a folder's rank.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::data {

struct Synset {
  std::string wnid;  // "n01440764"
  std::string name;  // "tench, Tinca tinca"
};

const std::vector<Synset>& imagenet_synsets();
// The class index of a WordNet id, or -1 if it is not one of the 1000.
int64_t imagenet_class_index(const std::string& wnid);

}  // namespace tessera::data
