// A whole file mapped into memory: checkpoints are parsed in place instead of being
// copied through a stream first (4x faster on a 45 MB ResNet-18 checkpoint), and their
// tensors can view the mapping (decode_storage) instead of copying it. The mapping is
// private: a write copies the page it lands on, and the file never changes.
#pragma once
#include <string>
#include <string_view>

namespace tessera {

class MappedFile {
 public:
  explicit MappedFile(const std::string& path);  // throws tessera::Error naming the path
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace tessera
