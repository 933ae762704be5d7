// tessera make-subset: the benchmark's folder layout from the official validation images.
#include <cstdio>

#include "bench/cli/args.h"
#include "bench/cli/commands.h"
#include "data/imagenet_subset.h"

namespace tessera::cli {

int cmd_make_subset(int argc, char** argv) {
  Args args("make-subset", "Builds <out>/<wnid>/<image> from ILSVRC2012 validation images and their labels.");
  args.option("imagenet-val", "DIR", "folder of ILSVRC2012_val_XXXXXXXX.JPEG files")
      .option("labels", "FILE", "LOC_val_solution.csv, or the devkit's ILSVRC2012_validation_ground_truth.txt")
      .option("synset-order", "FILE", "with the devkit file: the 1000 wnids in ILSVRC2012_ID order, one per line", "")
      .option("classes", "N", "classes to keep, spread evenly over the 1000", "500")
      .option("per-class", "N", "images per class", "1")
      .option("out", "DIR", "where to build the subset (must not exist or be empty)");
  if (!args.parse(argc, argv)) return 0;
  const auto labels = data::read_val_labels(args.get("labels"), args.get("synset-order"));
  const data::SubsetReport r = data::make_subset(args.get("imagenet-val"), labels, args.get_int("classes", 1, 1000),
                                                 args.get_int("per-class", 1, 50), args.get("out"));
  for (const std::string& m : r.missing) std::fprintf(stderr, "tessera make-subset: missing %s\n", m.c_str());
  std::printf("%lld images in %lld classes -> %s\n", static_cast<long long>(r.images), static_cast<long long>(r.classes),
              args.get("out").c_str());
  return 0;
}

}  // namespace tessera::cli
