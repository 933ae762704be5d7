// A progress bar on stderr, drawn only when stderr is a terminal.
#pragma once
#include <cstdint>
#include <string>

namespace tessera::cli {

class Progress {
 public:
  Progress(std::string label, int64_t total);
  ~Progress();
  void update(int64_t done);

 private:
  std::string label_;
  int64_t total_;
  bool tty_;
};

}  // namespace tessera::cli
