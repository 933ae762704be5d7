#include "kernels/parallel.h"

#include <atomic>
#include <cstdlib>
#include <string>

#include "tensor/error.h"

namespace tessera {

namespace {
std::atomic<int>& thread_slot() {
  static std::atomic<int> slot{[] {
    if (const char* env = std::getenv("TESSERA_NUM_THREADS"); env && *env) {
      char* end = nullptr;
      const long n = std::strtol(env, &end, 10);
      TESSERA_CHECK(end && *end == '\0' && n >= 1 && n <= 1024, "TESSERA_NUM_THREADS=", env,
                    ": expected a whole number from 1 to 1024");
      return static_cast<int>(n);
    }
    return omp_get_max_threads();
  }()};
  return slot;
}
}  // namespace

int get_num_threads() { return thread_slot().load(std::memory_order_relaxed); }

void set_num_threads(int n) {
  TESSERA_CHECK(n >= 1, "thread count must be at least 1, got ", n);
  thread_slot().store(n, std::memory_order_relaxed);
}

}  // namespace tessera
