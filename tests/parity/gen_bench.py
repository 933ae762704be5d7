"""Reference predictions for `tessera bench`: gen_bench.py OUT

A torchvision ResNet-18 (seeded random weights, BatchNorm statistics perturbed as in
gen_resnet.py) saved as OUT/weights/resnet18.pth, and PyTorch's top-1 class and top-1/top-2
logit margin for every image (same image set as gen_preprocess.py), preprocessed by
torchvision's transforms: OUT/reference.csv.
"""
import csv
import os
import sys

import torch
import torchvision
import torchvision.transforms as T
from PIL import Image

from gen_preprocess import SAMPLE, SUBSET
from gen_resnet import perturb_batchnorm


def main(out):
    os.makedirs(os.path.join(out, "weights"), exist_ok=True)
    torch.set_num_threads(2)
    root = SUBSET if os.path.isdir(SUBSET) else SAMPLE
    torch.manual_seed(2)
    model = torchvision.models.resnet18()
    perturb_batchnorm(model, torch.Generator().manual_seed(3))
    model.eval()
    torch.save(model.state_dict(), os.path.join(out, "weights", "resnet18.pth"))
    tf = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                    T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    synsets = [line.split()[0] for line in open(os.path.join(os.path.dirname(SAMPLE), "..", "..", "data",
                                                             "imagenet_synsets.txt"))]
    paths = sorted(os.path.join(root, d, f) for d in os.listdir(root) if os.path.isdir(os.path.join(root, d))
                   for f in os.listdir(os.path.join(root, d)))
    with open(os.path.join(out, "reference.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "top1", "margin"])
        with torch.no_grad():
            for i in range(0, len(paths), 50):
                chunk = paths[i:i + 50]
                logits = model(torch.stack([tf(Image.open(p).convert("RGB")) for p in chunk]))
                top2 = logits.topk(2, dim=1)
                for p, idx, val in zip(chunk, top2.indices, top2.values):
                    w.writerow([p, synsets[idx[0]], float(val[0] - val[1])])
    with open(os.path.join(out, "data_dir.txt"), "w") as f:
        f.write(root + "\n")
    print(f"{len(paths)} reference predictions from {root}")


if __name__ == "__main__":
    main(sys.argv[1])
