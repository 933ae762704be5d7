#include "tensor/storage.h"

#include <cstdlib>
#include <new>

#include "tensor/error.h"

namespace tessera {

std::shared_ptr<Storage> Storage::allocate(size_t nbytes) {
  // aligned_alloc wants a size that is a multiple of the alignment; never ask for 0 bytes.
  size_t padded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  if (padded == 0) padded = kAlignment;
  void* p = std::aligned_alloc(kAlignment, padded);
  TESSERA_CHECK(p != nullptr, "out of memory: cannot allocate ", nbytes, " bytes");
  return std::shared_ptr<Storage>(new Storage(p, nbytes, [](void* q) { std::free(q); }));
}

std::shared_ptr<Storage> Storage::wrap(void* data, size_t nbytes, std::function<void(void*)> release) {
  return std::shared_ptr<Storage>(new Storage(data, nbytes, std::move(release)));
}

Storage::~Storage() {
  if (release_) release_(data_);
}

}  // namespace tessera
