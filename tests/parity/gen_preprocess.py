"""torchvision's eval preprocessing on real images, as the reference: gen_preprocess.py OUT

Images: the 500-image ImageNet subset beside the checkout (../shared/data/imagenet-val-subset)
when present, else tests/data/imagenet-sample. For the bilinear preset (Resize(256) +
CenterCrop(224), ResNet/ViT) and the bicubic one (Resize(232, BICUBIC) + CenterCrop(224),
Swin-T), writes the uint8 crops PIL produces, [N, 224, 224, 3], and the image list.
"""
import os
import sys

import numpy as np
import torchvision.transforms as T
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SUBSET = os.path.join(os.path.dirname(REPO), "shared", "data", "imagenet-val-subset")
SAMPLE = os.path.join(REPO, "tests", "data", "imagenet-sample")


def main(out):
    os.makedirs(out, exist_ok=True)
    root = SUBSET if os.path.isdir(SUBSET) else SAMPLE
    paths = sorted(os.path.join(root, d, f) for d in os.listdir(root) if os.path.isdir(os.path.join(root, d))
                   for f in os.listdir(os.path.join(root, d)))
    presets = {"bilinear": T.Compose([T.Resize(256), T.CenterCrop(224)]),
               "bicubic": T.Compose([T.Resize(232, interpolation=T.InterpolationMode.BICUBIC), T.CenterCrop(224)])}
    for name, tf in presets.items():
        crops = np.stack([np.asarray(tf(Image.open(p).convert("RGB"))) for p in paths])
        np.save(os.path.join(out, f"{name}.npy"), crops)
    with open(os.path.join(out, "images.txt"), "w") as f:
        f.write("\n".join(paths) + "\n")
    print(f"{len(paths)} images from {root}")


if __name__ == "__main__":
    main(sys.argv[1])
