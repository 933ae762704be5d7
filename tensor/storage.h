// Storage: a 64-byte aligned byte buffer, shared by every Tensor view of it.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>

namespace tessera {

class Storage {
 public:
  static constexpr size_t kAlignment = 64;

  // Allocates nbytes (uninitialised), aligned to kAlignment.
  static std::shared_ptr<Storage> allocate(size_t nbytes);
  // Wraps memory owned elsewhere; `release` runs when the last view is gone.
  static std::shared_ptr<Storage> wrap(void* data, size_t nbytes, std::function<void(void*)> release);

  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();

  // Frees the large blocks kept for reuse (see storage.cpp), e.g. before measuring peak memory.
  static void release_cached();

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }

 private:
  Storage(void* data, size_t nbytes, std::function<void(void*)> release)
      : data_(data), nbytes_(nbytes), release_(std::move(release)) {}
  void* data_;
  size_t nbytes_;
  std::function<void(void*)> release_;
};

}  // namespace tessera
