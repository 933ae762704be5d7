"""PyTorch computes the non-GEMM forward ops on a few shapes: gen_ops.py OUT

For each case it saves inputs, parameters and torch's output as float32 .npy
(<case>.<name>.npy) and one manifest line "case op key=value ..." in cases.txt;
test_ops_parity.cpp runs the Tessera kernel on the same inputs and compares.
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
manifest = []


def save(case, op, tensors, **params):
    for name, t in tensors.items():

        np.save(os.path.join(OUT, f"{case}.{name}.npy"), t.detach().contiguous().float().numpy())
    manifest.append(" ".join([case, op] + [f"{k}={v}" for k, v in params.items()]))


def randn(*shape, scale=1.0):
    return torch.randn(*shape) * scale


# ---- activations (wide inputs so the saturating tails are exercised) ----
acts = {
    "relu": F.relu, "relu6": F.relu6, "gelu": lambda x: F.gelu(x),
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"), "silu": F.silu,
    "hardswish": F.hardswish, "hardsigmoid": F.hardsigmoid, "sigmoid": torch.sigmoid,
}
for name, fn in acts.items():
    x = randn(2, 3, 17, 19, scale=4.0)
    save(f"act_{name}", "activation", {"x": x, "y": fn(x)}, act=name)

# ---- batchnorm inference, non-trivial statistics ----
for i, (shape, relu) in enumerate([((2, 16, 7, 9), False), ((1, 64, 28, 28), True), ((3, 5, 1, 1), False)]):
    C = shape[1]
    x, g, b, m = randn(*shape), randn(C), randn(C), randn(C, scale=0.5)
    v = torch.rand(C) * 2 + 0.1
    y = F.batch_norm(x, m, v, g, b, training=False, eps=1e-5)
    if relu:
        y = F.relu(y)
    save(f"bn{i}", "batchnorm", {"x": x, "gamma": g, "beta": b, "mean": m, "var": v, "y": y},
         eps=1e-5, relu=int(relu))

# ---- softmax / log_softmax over the last dim ----
x = randn(12 * 197, 197, scale=3.0)  # ViT-B attention scores, flattened
save("softmax_vit", "softmax", {"x": x, "y": torch.softmax(x, -1)}, log=0)
x = randn(5, 1000, scale=5.0)
save("log_softmax_cls", "softmax", {"x": x, "y": torch.log_softmax(x, -1)}, log=1)
x = randn(7, 13)
save("softmax_odd", "softmax", {"x": x, "y": torch.softmax(x, -1)}, log=0)

# ---- layernorm (ViT) and LayerNorm2d (ConvNeXt: permute -> layer_norm -> permute) ----
x, g, b = randn(197, 768) + 0.5, randn(768), randn(768)
save("ln_vit", "layernorm", {"x": x, "gamma": g, "beta": b, "y": F.layer_norm(x, (768,), g, b, 1e-6)}, eps=1e-6)
x, g, b = randn(2, 96, 14, 13), randn(96), randn(96)
y = F.layer_norm(x.permute(0, 2, 3, 1), (96,), g, b, 1e-6).permute(0, 3, 1, 2)
save("ln2d_convnext", "layernorm2d", {"x": x, "gamma": g, "beta": b, "y": y}, eps=1e-6)

# ---- broadcasting elementwise ----
a, b = randn(2, 64, 7, 7), randn(64, 1, 1)
save("add_channel", "add", {"a": a, "b": b, "y": a + b})
a, b = randn(197, 768), randn(768)
save("mul_row", "mul", {"a": a, "b": b, "y": a * b})
a, b = randn(3, 1, 5), randn(4, 1)
save("add_outer", "add", {"a": a, "b": b, "y": a + b})
a, b = randn(2, 64, 14, 14), randn(2, 64, 14, 14)
save("add_relu_res", "add_relu", {"a": a, "b": b, "y": F.relu(a + b)})
x, g = randn(2, 96, 7, 7), randn(96, 1, 1) * 0.1
save("layer_scale", "layer_scale", {"x": x, "gamma": g, "y": g * x})

# ---- concat (DenseNet: along channels) ----
xs = [randn(2, 5, 4, 4), randn(2, 3, 4, 4), randn(2, 7, 4, 4)]
save("cat_c", "concat", {"x0": xs[0], "x1": xs[1], "x2": xs[2], "y": torch.cat(xs, 1)}, dim=1, n=3)

# ---- pooling ----
pools = [  # (case, shape, kernel, stride, padding, dilation, ceil_mode)
    ("max_stem", (1, 64, 112, 112), 3, 2, 1, 1, False),
    ("max_ceil_pad", (1, 3, 5, 5), 2, 2, 1, 1, True),  # last window would start in the padding: dropped
    ("max_dil", (1, 2, 17, 19), 3, 2, 1, 2, False),
    ("max_googlenet", (1, 8, 28, 28), 3, 2, 0, 1, True),
]
for case, shape, k, s, p, d, ceil in pools:
    x = randn(*shape)
    y = F.max_pool2d(x, k, s, p, d, ceil_mode=ceil)
    save(case, "max_pool2d", {"x": x, "y": y}, k=k, s=s, p=p, d=d, ceil=int(ceil))
avgs = [  # (case, shape, kernel, stride, padding, ceil_mode, count_include_pad)
    ("avg_transition", (1, 8, 14, 14), 2, 2, 0, False, True),
    ("avg_ceil_nopad", (1, 8, 15, 15), 3, 2, 1, True, False),
    ("avg_ceil_pad", (2, 3, 15, 16), 3, 2, 1, True, True),
]
for case, shape, k, s, p, ceil, cip in avgs:
    x = randn(*shape)
    y = F.avg_pool2d(x, k, s, p, ceil_mode=ceil, count_include_pad=cip)
    save(case, "avg_pool2d", {"x": x, "y": y}, k=k, s=s, p=p, ceil=int(ceil), cip=int(cip))
for case, shape, out in [("adaptive_global", (2, 512, 7, 7), (1, 1)), ("adaptive_uneven", (1, 8, 13, 11), (3, 4))]:
    x = randn(*shape)
    save(case, "adaptive_avg_pool2d", {"x": x, "y": F.adaptive_avg_pool2d(x, out)}, oh=out[0], ow=out[1])

with open(os.path.join(OUT, "cases.txt"), "w") as f:
    f.write("\n".join(manifest) + "\n")
print(f"wrote {len(manifest)} op cases to {OUT}")
