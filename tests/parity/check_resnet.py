"""PyTorch loads the .pth files Tessera wrote (tessera_<name>.pth) with strict=True and
must give outputs identical to the original checkpoint's: check_resnet.py OUT"""
import os
import sys

import torch
import torchvision


def main(out):
    checked = 0
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(5))
    for name in ["resnet18", "resnet50"]:
        theirs = getattr(torchvision.models, name)()
        theirs.load_state_dict(torch.load(os.path.join(out, f"tessera_{name}.pth")), strict=True)
        ours = getattr(torchvision.models, name)()
        ours.load_state_dict(torch.load(os.path.join(out, f"{name}.pth")), strict=True)
        sd_a, sd_b = theirs.state_dict(), ours.state_dict()
        assert list(sd_a.keys()) == list(sd_b.keys()), f"{name}: key order differs"
        for k in sd_a:
            assert sd_a[k].dtype == sd_b[k].dtype, f"{name}.{k}: dtype {sd_a[k].dtype} != {sd_b[k].dtype}"
            assert torch.equal(sd_a[k], sd_b[k]), f"{name}.{k}: values differ"
        theirs.eval(), ours.eval()
        with torch.no_grad():
            assert torch.equal(theirs(x), ours(x)), f"{name}: outputs differ"
        checked += 1
    assert checked == 2
    print(f"PyTorch loaded {checked} Tessera-written checkpoints strictly: identical tensors and outputs")


if __name__ == "__main__":
    main(sys.argv[1])
