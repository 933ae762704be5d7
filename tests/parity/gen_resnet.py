"""torchvision ResNets with random (seeded) weights and non-trivial BatchNorm statistics:
gen_resnet.py OUT

For each model: <name>.pth (torch.save of the state_dict), and for batch 1 and 4 the
input x<b>.npy (N(0,1)) and torchvision's eval-mode logits <name>.logits<b>.npy.
BatchNorm affine parameters and running statistics are drawn away from their 0/1
defaults, which would otherwise hide BN bugs.
"""
import os
import sys

import numpy as np
import torch
import torchvision

MODELS = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"]


def perturb_batchnorm(model, gen):
    # The last BN of each residual branch gets a small gamma, so that the residual stream
    # does not grow with depth (ResNet-152's logits would reach 1e7 with gamma ~ 1).
    last_bns = set()
    for block in model.modules():
        if isinstance(block, torchvision.models.resnet.BasicBlock):
            last_bns.add(block.bn2)
        elif isinstance(block, torchvision.models.resnet.Bottleneck):
            last_bns.add(block.bn3)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            perturb_bn(m, gen, small_gamma=m in last_bns)


def perturb_bn(m, gen, small_gamma=False):
    """Non-trivial affine parameters and running statistics for one BatchNorm2d; a small
    gamma for the last BN of a residual branch keeps deep residual streams at unit scale."""
    c = m.num_features
    lo, hi = (0.05, 0.25) if small_gamma else (0.5, 1.5)
    m.weight.data = torch.empty(c).uniform_(lo, hi, generator=gen)
    m.bias.data = torch.randn(c, generator=gen) * 0.2
    m.running_mean = torch.randn(c, generator=gen) * 0.2
    m.running_var = torch.empty(c).uniform_(0.5, 2.0, generator=gen)
    m.num_batches_tracked = torch.tensor(7, dtype=torch.long)


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    gen = torch.Generator().manual_seed(0)
    xs = {b: torch.randn(b, 3, 224, 224, generator=gen) for b in (1, 4)}
    for b, x in xs.items():
        np.save(os.path.join(out, f"x{b}.npy"), x.numpy())
    for name in MODELS:
        torch.manual_seed(1)
        model = getattr(torchvision.models, name)()
        perturb_batchnorm(model, gen)
        model.eval()
        torch.save(model.state_dict(), os.path.join(out, f"{name}.pth"))
        with torch.no_grad():
            for b, x in xs.items():
                y = model(x)
                np.save(os.path.join(out, f"{name}.logits{b}.npy"), y.numpy())
        print(f"{name}: logits scale max|y| = {y.abs().max().item():.3g}")
    with open(os.path.join(out, "models.txt"), "w") as f:
        f.write("\n".join(MODELS) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
