#include "tensor/aligned_alloc.h"

#include <cstdlib>
#include <cstring>

#ifdef __linux__
#include <sys/mman.h>
#endif

#include "tensor/error.h"

namespace tessera {

bool parse_huge_pages(const char* value) {
  if (value == nullptr || std::strcmp(value, "1") == 0) return true;
  if (std::strcmp(value, "0") == 0) return false;
  TESSERA_CHECK(false, "TESSERA_HUGE_PAGES=", value, ": expected 0 (off) or 1 (on)");
  return true;
}

bool huge_pages_enabled() {
  static const bool enabled = parse_huge_pages(std::getenv("TESSERA_HUGE_PAGES"));
  return enabled;
}

void* allocate_aligned(size_t bytes) {
  bytes = bytes == 0 ? 1 : bytes;
  const bool huge = bytes >= kHugePageBytes && huge_pages_enabled();
  void* p = nullptr;
  if (posix_memalign(&p, huge ? kHugePageBytes : 64, bytes) != 0) return nullptr;
#ifdef __linux__
  // Advice only: where THP is off ("never") the block keeps 4 KiB pages.
  if (huge) madvise(p, bytes, MADV_HUGEPAGE);
#endif
  return p;
}

}  // namespace tessera
