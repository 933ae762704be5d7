// The `tessera` subcommands. Each takes the arguments after its name and
// returns the process exit code; errors are thrown as tessera::Error.
#pragma once

namespace tessera::cli {

int cmd_info(int argc, char** argv);     // CPU features, kernel paths, threads
int cmd_inspect(int argc, char** argv);  // shape, dtype and statistics of .npy files
int cmd_run(int argc, char** argv);         // a model's outputs on an .npy batch, optionally timed
int cmd_classify(int argc, char** argv);    // top-5 ImageNet classes of images
int cmd_preprocess(int argc, char** argv);  // a model's eval transforms, as an .npy batch
int cmd_bench(int argc, char** argv);       // accuracy and speed over an ImageNet-style folder
int cmd_make_subset(int argc, char** argv); // the benchmark's folder layout from ILSVRC2012 val
int cmd_models(int argc, char** argv);       // registered models: parameters, GFLOPs, weight files

struct Command {
  const char* name;
  const char* summary;
  int (*run)(int, char**);
};

inline constexpr Command kCommands[] = {
    {"info", "show CPU features, the kernel path in use and the thread count", cmd_info},
    {"bench", "accuracy and speed of models over an ImageNet-style folder", cmd_bench},
    {"make-subset", "build the benchmark's <wnid>/<image> layout from ILSVRC2012 validation images", cmd_make_subset},
    {"models", "list the registered models with parameter counts and GFLOPs at 224x224", cmd_models},
    {"run", "run a model on an .npy batch and write its outputs (optionally timed)", cmd_run},
    {"classify", "top-5 ImageNet classes of images", cmd_classify},
    {"preprocess", "apply a model's eval transforms to images, write an .npy batch", cmd_preprocess},
    {"inspect", "print shape, dtype and statistics of .npy files", cmd_inspect},
};

}  // namespace tessera::cli
