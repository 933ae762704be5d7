#include "tensor/storage.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <string>

#include "tensor/aligned_alloc.h"
#include "tensor/error.h"

namespace tessera {

namespace {

// Large blocks are kept for reuse instead of going back to the OS. Without this every
// forward pass maps fresh pages for its activations and the kernel zero-fills them on
// first touch: at batch 16 that page-faulting costs more than the convolutions. Blocks
// from 64 KiB up are kept: malloc maps the mid-size activations of a batch-1 forward
// (100 KiB - 1 MiB) afresh too, which cost MobileNetV3-Large half its time.
// Sizes are rounded up to 8 steps per power of two (<= 12.5% slack) so blocks of
// similar size are interchangeable. TESSERA_ALLOC_CACHE_MB caps what is kept (default 4096).
class BlockCache {
 public:
  static constexpr size_t kMinCached = size_t(64) << 10;

  static size_t bucket(size_t n) {
    size_t p = 1;
    while (p < n) p <<= 1;
    const size_t step = std::max<size_t>(p / 16, Storage::kAlignment);
    return (n + step - 1) / step * step;
  }

  void* take(size_t size) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = free_.find(size);
    if (it == free_.end()) return nullptr;
    void* p = it->second;
    free_.erase(it);
    cached_ -= size;
    return p;
  }

  void give(void* p, size_t size) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cached_ + size <= limit_) {
        free_.emplace(size, p);
        cached_ += size;
        return;
      }
    }
    std::free(p);
  }

  void release_all() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [size, p] : free_) std::free(p);
    free_.clear();
    cached_ = 0;
  }

 private:
  std::mutex mu_;
  std::multimap<size_t, void*> free_;
  size_t cached_ = 0;
  size_t limit_ = [] {
    const char* env = std::getenv("TESSERA_ALLOC_CACHE_MB");
    return (env && *env ? std::stoull(env) : size_t(4096)) << 20;
  }();
};

BlockCache& block_cache() {
  static BlockCache* cache = new BlockCache();  // never destroyed: storages may outlive statics
  return *cache;
}

}  // namespace

std::shared_ptr<Storage> Storage::allocate(size_t nbytes) {
  // Whole 64-byte lines (the block cache buckets count in them); never 0 bytes.
  size_t padded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  if (padded == 0) padded = kAlignment;
  if (padded >= BlockCache::kMinCached) {
    const size_t size = BlockCache::bucket(padded);
    void* p = block_cache().take(size);
    if (!p) p = allocate_aligned(size);  // from 2 MiB up on huge pages (aligned_alloc.h)
    TESSERA_CHECK(p != nullptr, "out of memory: cannot allocate ", nbytes, " bytes");
    return std::shared_ptr<Storage>(new Storage(p, nbytes, [size](void* q) { block_cache().give(q, size); }));
  }
  void* p = allocate_aligned(padded);
  TESSERA_CHECK(p != nullptr, "out of memory: cannot allocate ", nbytes, " bytes");
  return std::shared_ptr<Storage>(new Storage(p, nbytes, [](void* q) { std::free(q); }));
}

void Storage::release_cached() { block_cache().release_all(); }

std::shared_ptr<Storage> Storage::wrap(void* data, size_t nbytes, std::function<void(void*)> release) {
  return std::shared_ptr<Storage>(new Storage(data, nbytes, std::move(release)));
}

Storage::~Storage() {
  if (release_) release_(data_);
}

}  // namespace tessera
