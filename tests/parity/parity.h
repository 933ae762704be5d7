// Shared helpers of the C++ parity tests: where the Python oracle wrote its files.
#pragma once
#include <cstdlib>
#include <string>

#include "tensor/error.h"

namespace tessera::testing {

// TESSERA_PARITY_DIR is set by CTest to the build-tree folder the generators write into.
inline std::string parity_dir() {
  const char* d = std::getenv("TESSERA_PARITY_DIR");
  TESSERA_CHECK(d && *d, "TESSERA_PARITY_DIR is not set: run parity tests through ctest");
  return d;
}

}  // namespace tessera::testing
