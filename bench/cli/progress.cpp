#include "bench/cli/progress.h"

#include <cstdio>
#include <unistd.h>

namespace tessera::cli {

Progress::Progress(std::string label, int64_t total)
    : label_(std::move(label)), total_(total), tty_(isatty(STDERR_FILENO) == 1) {
  update(0);
}

Progress::~Progress() {
  if (tty_) std::fprintf(stderr, "\r\033[K");
}

void Progress::update(int64_t done) {
  if (!tty_ || total_ <= 0) return;
  const int width = 30;
  const int filled = static_cast<int>(width * done / total_);
  std::fprintf(stderr, "\r\033[K%s [%s%s] %lld/%lld", label_.c_str(), std::string(filled, '#').c_str(),
               std::string(width - filled, '.').c_str(), static_cast<long long>(done), static_cast<long long>(total_));
  std::fflush(stderr);
}

}  // namespace tessera::cli
