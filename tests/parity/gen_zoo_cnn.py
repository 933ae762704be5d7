"""torchvision VGG, MobileNet V2/V3, DenseNet and GoogLeNet with random (seeded) weights:
gen_zoo_cnn.py OUT

Writes, into OUT:
- models.txt: one line per numerically tested model, "STEM SIZE FACTORY", FACTORY being a
  registered Tessera model name or "vgg:DEPTH:BN:HIDDEN" (a VGG whose classifier is HIDDEN
  wide instead of 4096, built with torchvision's own VGG/make_layers: the full classifier
  alone is 120M parameters, 0.5 GB of .pth per model, and adds nothing the 256-wide one
  does not test);
- STEM.pth (torch.save of the state_dict) and STEM.logits{1,2}.npy, torchvision's eval-mode
  logits for x{SIZE}_{1,2}.npy (N(0,1) inputs at batch 1 and 2);
- keys.txt: "NAME KEY SHAPE" ("-" for a scalar) for every entry of every full-size registered model's
  state_dict, in order, so that strict loading of torchvision's real checkpoints is
  checked for the models only tested at a reduced size.

Weights that torchvision initialises to constants would hide bugs: BatchNorm affine
parameters and running statistics are drawn away from 1/0, and biases away from 0. The
last BN of each residual branch gets a small gamma so the residual stream stays at a sane
scale, as gen_resnet.py does.
"""
import contextlib
import os
import sys
import time

import numpy as np
import torch
import torchvision
from torchvision.models import vgg as tv_vgg
from torchvision.models import mobilenetv2, mobilenetv3

from gen_resnet import perturb_bn

REGISTERED = (["vgg11", "vgg13", "vgg16", "vgg19", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn",
               "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small",
               "densenet121", "densenet161", "densenet169", "densenet201", "googlenet"])
VGG_CFG = {11: "A", 13: "B", 16: "D", 19: "E"}
VGG_HIDDEN = 256

# (stem, input size, factory); stems that are registered names run the registered model.
TESTED = (
    [("mobilenet_v2", 224, "mobilenet_v2"), ("mobilenet_v3_large", 224, "mobilenet_v3_large"),
     ("mobilenet_v3_small", 224, "mobilenet_v3_small")]
    + [(f"vgg{d}{'_bn' if bn else ''}_h{VGG_HIDDEN}", 224 if d == 11 else 64, f"vgg:{d}:{int(bn)}:{VGG_HIDDEN}")
       for bn in (False, True) for d in (11, 13, 16, 19)]
    + [("densenet121", 224, "densenet121"), ("densenet169", 224, "densenet169"),
       ("densenet161", 112, "densenet161"), ("densenet201", 112, "densenet201"),
       ("googlenet", 224, "googlenet")]
)


@contextlib.contextmanager
def no_init():
    """torch.nn.init's fills become no-ops (shapes only: initialising VGG's 4096-wide
    classifier alone takes seconds)."""
    saved = {n: getattr(torch.nn.init, n) for n in dir(torch.nn.init) if n.endswith("_") and not n.startswith("_")}
    for n in saved:
        setattr(torch.nn.init, n, lambda t, *a, **k: t)
    try:
        yield
    finally:
        for n, fn in saved.items():
            setattr(torch.nn.init, n, fn)


def build(factory):
    if factory.startswith("vgg:"):
        _, depth, bn, hidden = factory.split(":")
        with no_init():
            model = tv_vgg.VGG(tv_vgg.make_layers(tv_vgg.cfgs[VGG_CFG[int(depth)]], batch_norm=bn == "1"))
        for m in model.features:  # VGG's own init of its convs (perturb() sets BN, Linear, biases)
            if isinstance(m, torch.nn.Conv2d):
                torch.nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        h = int(hidden)
        model.classifier[0] = torch.nn.Linear(512 * 7 * 7, h)
        model.classifier[3] = torch.nn.Linear(h, h)
        model.classifier[6] = torch.nn.Linear(h, 1000)
        return model
    if factory == "googlenet":  # the inference graph torchvision leaves with its pretrained weights
        return torchvision.models.googlenet(aux_logits=False, init_weights=True, transform_input=True)
    return getattr(torchvision.models, factory)()


def residual_last_bns(model):
    last = set()
    for m in model.modules():
        if isinstance(m, mobilenetv2.InvertedResidual) and m.use_res_connect:
            last.add(m.conv[-1])
        elif isinstance(m, mobilenetv3.InvertedResidual) and m.use_res_connect:
            last.add(m.block[-1][1])
    return last


def perturb(model, gen):
    last_bns = residual_last_bns(model)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            perturb_bn(m, gen, small_gamma=m in last_bns)
        elif isinstance(m, torch.nn.Linear):
            # torchvision's N(0, 0.01) would make logits that are all bias; keep unit scale
            m.weight.data = torch.randn(m.weight.shape, generator=gen) / m.in_features ** 0.5
            m.bias.data = torch.randn(m.out_features, generator=gen) * 0.05
        elif isinstance(m, torch.nn.Conv2d) and m.bias is not None:
            m.bias.data = torch.randn(m.out_channels, generator=gen) * 0.05


def write_keys(out):
    with no_init():
        with open(os.path.join(out, "keys.txt"), "w") as f:
            for name in REGISTERED:
                kwargs = {"aux_logits": False, "init_weights": True} if name == "googlenet" else {}
                for key, t in getattr(torchvision.models, name)(**kwargs).state_dict().items():
                    f.write(f"{name} {key} {','.join(str(s) for s in t.shape) or '-'}\n")  # '-': a scalar


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    t0 = time.time()
    write_keys(out)
    gen = torch.Generator().manual_seed(0)
    xs = {}
    for size in sorted({s for _, s, _ in TESTED}):
        for b in (1, 2):
            xs[size, b] = torch.randn(b, 3, size, size, generator=gen)
            np.save(os.path.join(out, f"x{size}_{b}.npy"), xs[size, b].numpy())
    for stem, size, factory in TESTED:
        t = time.time()
        torch.manual_seed(1)
        model = build(factory)
        perturb(model, gen)
        model.eval()
        torch.save(model.state_dict(), os.path.join(out, f"{stem}.pth"))
        with torch.no_grad():
            for b in (1, 2):
                y = model(xs[size, b])
                np.save(os.path.join(out, f"{stem}.logits{b}.npy"), y.numpy())
        top2 = y.topk(2, dim=1).values
        print(f"{stem} @{size}: max|y| = {y.abs().max().item():.3g}, "
              f"min top-2 margin = {(top2[:, 0] - top2[:, 1]).min().item():.3g} ({time.time() - t:.1f} s)")
    with open(os.path.join(out, "models.txt"), "w") as f:
        f.write("".join(f"{stem} {size} {factory}\n" for stem, size, factory in TESTED))
    print(f"total {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1])
