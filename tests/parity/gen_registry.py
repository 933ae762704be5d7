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
    print(f"{len(lines)} torchvision weight entries")


if __name__ == "__main__":
    main(sys.argv[1])
