"""Every ImageNet weight torchvision 0.14 lists, with its eval transforms: gen_registry.py OUT

OUT/weights.txt: one line per weight entry: model file resize crop interpolation.
The C++ side checks that each registered model names one of these files and uses
exactly its preprocessing.
"""
import os
import sys

import torchvision


def main(out):
    os.makedirs(out, exist_ok=True)
    lines = []
    for name in torchvision.models.list_models(module=torchvision.models):
        for w in torchvision.models.get_model_weights(name):
            t = w.transforms()
            if not hasattr(t, "resize_size"):
                continue
            lines.append(f"{name} {w.url.split('/')[-1]} {t.resize_size[0]} {t.crop_size[0]} "
                         f"{t.interpolation.value}")
    with open(os.path.join(out, "weights.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    write_published_layouts(out)
    print(f"{len(lines)} torchvision weight entries")


def write_published_layouts(out):
    """Checkpoints laid out as torchvision publishes them (not as its models save them):
    DenseNet's legacy "norm.1" key names, GoogLeNet with its aux heads."""
    import re
    import torch
    torch.manual_seed(0)
    sd = torchvision.models.densenet121().state_dict()
    legacy = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))((?:[12])\.(?:weight|bias|running_mean|running_var))$")
    torch.save({legacy.sub(r"\1.\2", k): v for k, v in sd.items()}, os.path.join(out, "densenet121_published.pth"))
    g = torchvision.models.googlenet(aux_logits=True, init_weights=True, transform_input=True)
    torch.save(g.state_dict(), os.path.join(out, "googlenet_published.pth"))


if __name__ == "__main__":
    main(sys.argv[1])
