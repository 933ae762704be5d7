// The `tessera` subcommands. Each takes the arguments after its name and
// returns the process exit code; errors are thrown as tessera::Error.
#pragma once

namespace tessera::cli {

int cmd_info(int argc, char** argv);     // CPU features, kernel paths, threads
int cmd_inspect(int argc, char** argv);  // shape, dtype and statistics of .npy files

struct Command {
  const char* name;
  const char* summary;
  int (*run)(int, char**);
};

inline constexpr Command kCommands[] = {
    {"info", "show CPU features, the kernel path in use and the thread count", cmd_info},
    {"inspect", "print shape, dtype and statistics of .npy files", cmd_inspect},
};

}  // namespace tessera::cli
