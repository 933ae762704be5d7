"""PyTorch computes conv2d, linear, bmm and attention on fixed-seed inputs: gen_kernels.py OUT

Every case writes <case>.<tensor>.npy (float32) plus a line in cases.txt:
  conv <name> N C H W OC KH KW stride pad dilation groups act
  linear <name> batch in out
  bmm <name> batch M K N
  attn <name> BH Lq Lk D mask(0 none, 1 additive, 2 causal)
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
lines = []


def save(name, **tensors):
    for k, t in tensors.items():
        np.save(os.path.join(out, f"{name}.{k}.npy"), t.detach().contiguous().numpy().astype(np.float32))


convs = [  # name, N, C, H, W, OC, k, stride, pad, dilation, groups, act
    ("stem", 1, 3, 37, 29, 16, 7, 2, 3, 1, 1, "relu"),
    ("stem3x3", 2, 3, 33, 35, 10, 3, 1, 1, 1, 1, "relu6"),
    ("basic3x3", 2, 16, 14, 14, 24, 3, 1, 1, 1, 1, "none"),
    ("down1x1", 1, 24, 14, 14, 48, 1, 2, 0, 1, 1, "none"),
    ("pointwise", 1, 40, 9, 9, 36, 1, 1, 0, 1, 1, "relu6"),
    ("dilated", 1, 8, 17, 17, 8, 3, 1, 2, 2, 1, "none"),
    ("grouped", 1, 12, 10, 10, 18, 3, 2, 1, 1, 3, "relu"),
    ("depthwise3x3s2", 2, 32, 15, 15, 32, 3, 2, 1, 1, 32, "relu6"),
    ("depthwise7x7", 1, 24, 14, 14, 24, 7, 1, 3, 1, 24, "none"),
]
for name, n, c, h, w, oc, k, s, p, d, g, act in convs:
    x = torch.randn(n, c, h, w)
    wt = torch.randn(oc, c // g, k, k) / math.sqrt(c // g * k * k)
    b = torch.randn(oc)
    y = F.conv2d(x, wt, b, stride=s, padding=p, dilation=d, groups=g)
    y = {"none": y, "relu": F.relu(y), "relu6": F.relu6(y)}[act]
    save(name, x=x, w=wt, b=b, y=y)
    lines.append(f"conv {name} {n} {c} {h} {w} {oc} {k} {k} {s} {p} {d} {g} {act}")

for name, batch, fin, fout in [("fc_resnet", 4, 512, 1000), ("fc_odd", 3, 37, 29)]:
    x = torch.randn(batch, fin)
    lin = torch.nn.Linear(fin, fout)
    save(name, x=x, w=lin.weight, b=lin.bias, y=lin(x))
    lines.append(f"linear {name} {batch} {fin} {fout}")

a, b = torch.randn(6, 19, 33), torch.randn(6, 33, 21)
save("bmm_odd", a=a, b=b, y=torch.bmm(a, b))
lines.append("bmm bmm_odd 6 19 33 21")

for name, bh, lq, lk, dim, mask in [("vit_head", 4, 197, 197, 64, 0), ("swin_window", 3, 49, 49, 32, 1),
                                    ("causal", 2, 37, 37, 16, 2)]:
    q, k, v = torch.randn(bh, lq, dim), torch.randn(bh, lk, dim), torch.randn(bh, lk, dim)
    scores = q @ k.transpose(1, 2) / math.sqrt(dim)
    m = torch.zeros(lq, lk)
    if mask == 1:
        m = torch.randn(lq, lk)
    elif mask == 2:
        m = torch.full((lq, lk), float("-inf")).triu(1)
    y = torch.softmax(scores + m, dim=-1) @ v
    save(name, q=q, k=k, v=v, mask=m, y=y)
    lines.append(f"attn {name} {bh} {lq} {lk} {dim} {mask}")

with open(os.path.join(out, "cases.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
print(f"wrote {len(lines)} kernel parity cases to {out}")
