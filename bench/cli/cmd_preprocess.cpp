// tessera preprocess: the model's eval transforms applied to images, as one .npy batch.
#include <cstdio>
#include <vector>

#include "bench/cli/args.h"
#include "bench/cli/commands.h"
#include "bench/cli/model_loading.h"
#include "data/transforms.h"
#include "models/registry.h"
#include "tensor/npy.h"

namespace tessera::cli {

int cmd_preprocess(int argc, char** argv) {
  Args args("preprocess", "Writes the model's eval-preprocessed batch [N, 3, crop, crop] as .npy, to diff with torchvision.");
  args.option("model", "NAME", "model whose eval transforms to apply, e.g. resnet18")
      .option("output", "X.npy", "where to write the batch")
      .positional("IMAGE", "JPEG/PNG files");
  if (!args.parse(argc, argv)) return 0;
  TESSERA_CHECK(!args.positionals().empty(), "tessera preprocess: no image given (see --help)");
  const models::ModelInfo& info = models::model_info(args.get("model"));
  const data::EvalPreset preset = eval_preset(info);
  const auto& paths = args.positionals();
  Tensor batch = Tensor::empty({static_cast<int64_t>(paths.size()), 3, preset.crop_size, preset.crop_size});
  for (size_t i = 0; i < paths.size(); ++i)
    batch.select(0, static_cast<int64_t>(i)).copy_(data::preprocess(data::decode_image(paths[i]), preset));
  write_npy(args.get("output"), batch);
  std::printf("%zu image(s) -> %s %s\n", paths.size(), args.get("output").c_str(), shape_str(batch.shape()).c_str());
  return 0;
}

}  // namespace tessera::cli
