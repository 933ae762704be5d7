#include "kernels/settings.h"

#include "kernels/cpu.h"
#include "kernels/parallel.h"
#include "tensor/aligned_alloc.h"

namespace tessera {

void read_settings() {
  active_isa();
  get_num_threads();
  huge_pages_enabled();
}

}  // namespace tessera
