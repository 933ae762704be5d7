// tessera classify: top-5 ImageNet classes of images, with torchvision's preprocessing.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

#include "bench/cli/args.h"
#include "bench/cli/commands.h"
#include "bench/cli/model_loading.h"
#include "data/synsets.h"
#include "data/transforms.h"

namespace tessera::cli {

int cmd_classify(int argc, char** argv) {
  Args args("classify", "Prints the top-5 ImageNet classes of each image (resize 256, center crop 224, normalize).");
  args.option("model", "NAME", "model name, e.g. resnet18")
      .option("weights", "FILE", ".pth or .safetensors checkpoint with 1000 ImageNet classes")
      .option("threads", "N", "threads (default: TESSERA_NUM_THREADS or all cores)")
      .positional("IMAGE", "JPEG/PNG files");
  if (!args.parse(argc, argv)) return 0;
  TESSERA_CHECK(!args.positionals().empty(), "tessera classify: no image given (see --help)");
  apply_threads(args);
  auto model = load_model(args.get("model"), args.get("weights"));
  const auto& synsets = data::imagenet_synsets();
  int failures = 0;
  for (const std::string& path : args.positionals()) {
    Tensor x;
    try {
      x = data::preprocess(data::decode_image(path), data::EvalPreset{}).unsqueeze(0);
    } catch (const Error& e) {
      std::fprintf(stderr, "tessera classify: error: %s\n", e.what());
      ++failures;
      continue;
    }
    const Tensor logits = model->forward(x);
    TESSERA_CHECK(logits.size(1) == 1000, "tessera classify: the model has ", logits.size(1),
                  " classes; classify needs the 1000 ImageNet classes");
    // softmax probabilities, top 5
    std::vector<double> p(1000);
    double mx = -1e300, sum = 0;
    for (int i = 0; i < 1000; ++i) mx = std::max(mx, logits.get(i));
    for (int i = 0; i < 1000; ++i) sum += (p[i] = std::exp(logits.get(i) - mx));
    std::vector<int> idx(1000);
    std::iota(idx.begin(), idx.end(), 0);
    std::partial_sort(idx.begin(), idx.begin() + 5, idx.end(), [&](int a, int b) { return p[a] > p[b]; });
    std::printf("%s\n", path.c_str());
    for (int k = 0; k < 5; ++k)
      std::printf("  %d. %5.1f%%  %4d %s %s\n", k + 1, 100.0 * p[idx[k]] / sum, idx[k], synsets[idx[k]].wnid.c_str(),
                  synsets[idx[k]].name.c_str());
  }
  return failures ? 1 : 0;
}

}  // namespace tessera::cli
