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
    write_png_variants(os.path.join(out, "png"), paths[0])
    print(f"{len(paths)} images from {root}")


def write_png_variants(out, source):
    """PNG flavours PIL reads, with PIL's convert("RGB") pixels as the reference."""
    os.makedirs(out, exist_ok=True)
    base = Image.open(source).convert("RGB").resize((67, 45))
    variants = {
        "palette.png": base.convert("P", palette=Image.ADAPTIVE, colors=37),
        "rgba.png": base.convert("RGBA"),
        "gray_alpha.png": base.convert("LA"),
        "gray.png": base.convert("L"),
        "png_named.JPEG": base,  # a PNG with a .JPEG name decodes by content
    }
    names = []
    for name, img in variants.items():
        path = os.path.join(out, name)
        img.save(path, format="PNG")
        np.save(path + ".rgb.npy", np.asarray(Image.open(path).convert("RGB")))
        names.append(name)
    # 16-bit grayscale: PIL's own RGB conversion of I;16 clips rather than scales, so only
    # decodability and size are checked for it.
    Image.fromarray((np.asarray(base.convert("L"), dtype=np.uint16) * 257)).save(os.path.join(out, "gray16.png"))
    with open(os.path.join(out, "variants.txt"), "w") as f:
        f.write("\n".join(names) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
