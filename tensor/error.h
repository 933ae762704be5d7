// Errors: one exception type with a message a user can act on.
// Binaries catch it at main() and exit non-zero with one line.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace tessera {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

namespace detail {
template <typename... Args>
std::string concat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
}  // namespace detail

}  // namespace tessera

// TESSERA_CHECK(cond, parts...) throws tessera::Error with the parts streamed together.
#define TESSERA_CHECK(cond, ...)                                          \
  do {                                                                    \
    if (!(cond)) throw ::tessera::Error(::tessera::detail::concat(__VA_ARGS__)); \
  } while (0)
