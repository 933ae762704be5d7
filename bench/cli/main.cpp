// `tessera <subcommand> [options]`: the user-facing binary.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "bench/cli/commands.h"
#include "kernels/settings.h"

using namespace tessera::cli;

static void usage(FILE* out) {
  std::fprintf(out, "usage: tessera <command> [options]   (tessera <command> --help for its options)\n\ncommands:\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %-12s %s\n", c.name, c.summary);
}

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string name = argv[1];
  for (const Command& c : kCommands) {
    if (name != c.name) continue;
    try {
      tessera::read_settings();  // a bad value is an error whatever the command
      return c.run(argc - 2, argv + 2);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "tessera %s: error: %s\n", c.name, e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "tessera: unknown command '%s' (see tessera --help)\n", name.c_str());
  return 2;
}
