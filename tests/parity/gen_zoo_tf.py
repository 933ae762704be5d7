"""torchvision ViT / Swin / ConvNeXt with random (seeded) weights: gen_zoo_tf.py OUT

Each case is built with torchvision's own classes: reduced depth/width configurations
(fast enough for CI) and, per family, one full-size model. For each case: <case>.pth
(torch.save of the state_dict) and, for batch 1 and 2 (full-size: 1), torchvision's eval-mode logits
<case>.logits<b>.npy on the inputs x<size>_<b>.npy (N(0,1)). The manifest cases.txt has
one line per case: "case family key=value ..." with the constructor arguments, which
test_zoo_tf_parity.cpp passes to Tessera's config structs.

Parameters torchvision initialises to constants (LayerNorm 1/0, zero biases, ViT's zero
head and class token, ConvNeXt's layer_scale 1e-6) or near-zero (Swin's relative
position bias table, std 0.02) are redrawn, or the layers they feed would go untested.
"""
import os
import sys
import time
from contextlib import contextmanager

import numpy as np
import torch
import torchvision
from torchvision.models.convnext import CNBlockConfig, ConvNeXt
from torchvision.models.swin_transformer import SwinTransformer
from torchvision.models.vision_transformer import VisionTransformer

# Full-size models cost PyTorch here (generic BLAS, 2 cores) ~10 s per vit_b_16 image: one
# cheap full-size model per family runs at batch 1; every preset's state_dict names and
# shapes are listed (<preset>.keys.txt) for the C++ side to compare with its own.
PRESETS = ["vit_b_16", "convnext_small", "swin_b"]


def vit_case(name, preset=None, batches=(1, 2), **cfg):
    def make():
        return getattr(torchvision.models, preset)() if preset else VisionTransformer(**cfg)
    args = {"preset": preset} if preset else cfg
    return name, "vit", make, args, cfg.get("image_size", 224), batches


def convnext_case(name, blocks=None, preset=None, size=224, batches=(1, 2), num_classes=1000):
    def make():
        if preset:
            return getattr(torchvision.models, preset)()
        return ConvNeXt([CNBlockConfig(*b) for b in blocks], num_classes=num_classes)
    if preset:
        args = {"preset": preset}
    else:  # "in/out/layers,...", out 0 for None
        args = {"blocks": ",".join(f"{i}/{o or 0}/{n}" for i, o, n in blocks), "num_classes": num_classes}
    return name, "convnext", make, args, size, batches


def swin_case(name, preset=None, size=224, batches=(1, 2), **cfg):
    def make():
        return getattr(torchvision.models, preset)() if preset else SwinTransformer(**cfg)
    if preset:
        args = {"preset": preset}
    else:
        args = {k: ",".join(map(str, v)) if isinstance(v, list) else v for k, v in cfg.items()}
    return name, "swin", make, args, size, batches


# (case, family, constructor, manifest arguments, input size, batches)
CASES = [
    vit_case("vit_tiny", image_size=224, patch_size=16, num_layers=2, num_heads=4, hidden_dim=64, mlp_dim=128),
    vit_case("vit_tiny_p32", image_size=96, patch_size=32, num_layers=3, num_heads=2, hidden_dim=48, mlp_dim=96,
             num_classes=10),
    vit_case("vit_b_32", preset="vit_b_32", batches=(1,)),
    convnext_case("convnext_mini", blocks=[(16, 32, 1), (32, 64, 1), (64, 128, 2), (128, None, 1)]),
    # 100 px: the 2x2/2 downsampling convs drop odd rows (25 -> 12 -> 6)
    convnext_case("convnext_mini_odd", blocks=[(24, 48, 2), (48, 96, 1), (96, None, 2)], size=100, num_classes=10),
    convnext_case("convnext_tiny", preset="convnext_tiny", batches=(1,)),
    swin_case("swin_mini", patch_size=[4, 4], embed_dim=32, depths=[2, 2, 2, 2], num_heads=[2, 2, 4, 4],
              window_size=[7, 7]),
    # 200 px: maps of 50, 25, 13 need padding to whole windows, 25 and 13 odd patch merging;
    # a non-square window with shift [2, 3]
    swin_case("swin_mini_pad", size=200, patch_size=[4, 4], embed_dim=24, depths=[2, 2, 2], num_heads=[2, 3, 4],
              window_size=[5, 7], num_classes=10),
    swin_case("swin_t", preset="swin_t", batches=(1,)),
]


@contextmanager
def no_init():
    """Skips torch.nn.init's fills while a model is built only to list its state_dict."""
    names = ["trunc_normal_", "normal_", "uniform_", "kaiming_uniform_", "xavier_uniform_", "zeros_", "ones_",
             "constant_"]
    saved = {n: getattr(torch.nn.init, n) for n in names}
    for n in names:
        setattr(torch.nn.init, n, lambda t, *a, **k: t)
    try:
        yield
    finally:
        for n, f in saved.items():
            setattr(torch.nn.init, n, f)


def write_keys(out, preset):
    with no_init():
        sd = getattr(torchvision.models, preset)().state_dict()
    with open(os.path.join(out, f"{preset}.keys.txt"), "w") as f:
        for k, v in sd.items():
            f.write(f"{k} {','.join(str(d) for d in v.shape)}\n")


def perturb(model, gen):
    for name, p in model.named_parameters():
        if name.endswith("bias"):
            p.data = torch.randn(p.shape, generator=gen) * 0.1
    for m in model.modules():
        if isinstance(m, torch.nn.LayerNorm):  # ConvNeXt's LayerNorm2d is one too
            m.weight.data = torch.empty(m.weight.shape).uniform_(0.5, 1.5, generator=gen)
    if isinstance(model, VisionTransformer):
        head = model.heads.head
        head.weight.data = torch.randn(head.weight.shape, generator=gen) / head.in_features ** 0.5
        model.class_token.data = torch.randn(model.class_token.shape, generator=gen) * 0.5
    for name, p in model.named_parameters():
        if name.endswith("relative_position_bias_table"):  # Swin: std 0.02 would hide the bias
            p.data = torch.randn(p.shape, generator=gen) * 0.5
        if name.endswith("layer_scale"):  # ConvNeXt: 1e-6 would make every block the identity
            p.data = torch.empty(p.shape).uniform_(0.2, 0.6, generator=gen)


def write_weight_names(out):
    """torchvision's ImageNet weight file per model (its IMAGENET1K_V1 enum's URL), for the registry."""
    with open(os.path.join(out, "weights.txt"), "w") as f:
        for name in ["vit_b_16", "vit_b_32", "vit_l_16", "swin_t", "swin_s", "swin_b", "convnext_tiny",
                     "convnext_small", "convnext_base"]:
            enum = torchvision.models.get_model_weights(name)
            f.write(f"{name} {os.path.basename(enum.IMAGENET1K_V1.url)}\n")


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    gen = torch.Generator().manual_seed(0)
    inputs = {}
    manifest = []
    for name, family, make, args, size, batches in CASES:
        t0 = time.time()
        for b in batches:
            if (size, b) not in inputs:
                inputs[size, b] = torch.randn(b, 3, size, size, generator=gen)
                np.save(os.path.join(out, f"x{size}_{b}.npy"), inputs[size, b].numpy())
        torch.manual_seed(1)
        model = make()
        perturb(model, gen)
        model.eval()
        torch.save(model.state_dict(), os.path.join(out, f"{name}.pth"))
        with torch.no_grad():
            for b in batches:
                y = model(inputs[size, b])
                np.save(os.path.join(out, f"{name}.logits{b}.npy"), y.numpy())
        manifest.append(" ".join([name, family, f"input={size}", f"batches={','.join(map(str, batches))}"] + [f"{k}={v}" for k, v in args.items()]))
        print(f"{name}: logits scale max|y| = {y.abs().max().item():.3g} ({time.time() - t0:.1f} s)")
    for preset in PRESETS:
        write_keys(out, preset)
    write_weight_names(out)
    with open(os.path.join(out, "cases.txt"), "w") as f:
        f.write("\n".join(manifest) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
