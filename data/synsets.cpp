#include "data/synsets.h"

#include <sstream>
#include <unordered_map>

#include "tensor/error.h"

namespace tessera::data {

extern const char kImagenetSynsetsText[];  // generated from data/imagenet_synsets.txt

const std::vector<Synset>& imagenet_synsets() {
  static const std::vector<Synset> list = [] {
    std::vector<Synset> out;
    std::istringstream in(kImagenetSynsetsText);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      const size_t sp = line.find(' ');
      out.push_back({line.substr(0, sp), sp == std::string::npos ? "" : line.substr(sp + 1)});
    }
    TESSERA_CHECK(out.size() == 1000, "embedded synset list has ", out.size(), " entries, not 1000");
    return out;
  }();
  return list;
}

int64_t imagenet_class_index(const std::string& wnid) {
  static const std::unordered_map<std::string, int64_t> index = [] {
    std::unordered_map<std::string, int64_t> m;
    const auto& s = imagenet_synsets();
    for (size_t i = 0; i < s.size(); ++i) m[s[i].wnid] = static_cast<int64_t>(i);
    return m;
  }();
  auto it = index.find(wnid);
  return it == index.end() ? -1 : it->second;
}

}  // namespace tessera::data
