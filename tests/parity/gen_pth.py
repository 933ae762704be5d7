"""torch.save writes the checkpoints Tessera's weights/ layer must read: gen_pth.py OUT

Each case is a file plus an expected folder: <expected>/keys.txt lists the state dict's
names in order with their torch dtype, <expected>/<i>.npy holds tensor i (float types as
float32, which is exact for half/bfloat16; int64 as int32). test_pth_parity.cpp loads every
file, compares, and writes tessera_<file> back; check_pth.py hands those to torch.
"""
import collections
import json
import os
import struct
import sys
import zipfile

import numpy as np
import torch
import torchvision


def resnet18_state_dict():
    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=10)
    model.train()
    with torch.no_grad():  # move BatchNorm running stats and num_batches_tracked off their initial values
        model(torch.randn(4, 3, 64, 64))
    return model.state_dict()


def dtype_tensors():
    torch.manual_seed(1)
    special = [0.0, -0.0, 1.0, -2.5, float("inf"), float("-inf"), float("nan"), 65504.0, 6e-8, 1e-5, 3.14159]
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    t = collections.OrderedDict()
    t["f32"] = torch.randn(3, 4)
    t["f16"] = torch.cat([torch.tensor(special, dtype=torch.float16), torch.randn(13).half()])
    t["bf16"] = torch.cat([torch.tensor(special, dtype=torch.bfloat16), torch.randn(13).bfloat16()])
    t["i64"] = torch.tensor([-2**31, 2**31 - 1, 0, 5, -7], dtype=torch.int64)
    t["i32"] = torch.randint(-2**31, 2**31 - 1, (2, 3), dtype=torch.int32)
    t["i8"] = torch.arange(-128, 128, dtype=torch.int8).reshape(16, 16)
    t["u8"] = torch.arange(0, 256, dtype=torch.uint8).reshape(4, 64)
    t["bool"] = torch.tensor([True, False, True, True])
    t["scalar"] = torch.tensor(2.5)
    t["empty"] = torch.zeros(0, 3)
    t["transposed"] = torch.randn(4, 5).t()          # non-contiguous view
    t["shared_row"] = base[1]                          # offset 6 into one storage
    t["shared_col"] = base[:, 2]                       # offset 2, stride 6, same storage
    t["half_view"] = torch.randn(6, 4).half()[::2, 1:]  # strided half view
    assert t["shared_row"].storage().data_ptr() == t["shared_col"].storage().data_ptr()
    return t


def expected_npy(x):
    x = x.detach()
    if x.dtype in (torch.float16, torch.bfloat16, torch.float32):
        return x.float().numpy()
    if x.dtype == torch.int64:
        return x.to(torch.int32).numpy()
    return x.numpy()


def write_expected(out, name, sd):
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "keys.txt"), "w") as f:
        for i, (k, v) in enumerate(sd.items()):
            np.save(os.path.join(folder, f"{i}.npy"), np.array(expected_npy(v), order="C"))  # keeps 0-d
            f.write(f"{k} {str(v.dtype).replace('torch.', '')}\n")


SAFETENSORS_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64",
                      torch.int32: "I32", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}


def tensor_bytes(x):
    x = x.detach().contiguous()
    if x.dtype == torch.bfloat16:  # numpy has no bfloat16: reinterpret the bits
        return x.view(torch.int16).numpy().tobytes()
    return x.numpy().tobytes()


def write_safetensors(path, tensors, metadata):
    """The safetensors layout, by hand (Debian has no python3-safetensors)."""
    header, data = {"__metadata__": metadata}, b""
    for k, v in tensors.items():
        b = tensor_bytes(v)
        header[k] = {"dtype": SAFETENSORS_DTYPES[v.dtype], "shape": list(v.shape),
                     "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def generate(out):
    os.makedirs(out, exist_ok=True)
    cases = []  # (file, expected folder, entry)

    sd = resnet18_state_dict()
    write_expected(out, "resnet18", sd)
    torch.save(sd, os.path.join(out, "resnet18.pth"))
    torch.save({"state_dict": sd, "epoch": 3}, os.path.join(out, "resnet18_wrapped.pth"))
    torch.save({"model": sd}, os.path.join(out, "resnet18_model.pth"))
    torch.save(sd, os.path.join(out, "resnet18_p4.pth"), pickle_protocol=4)  # FRAME, MEMOIZE, STACK_GLOBAL...
    # The same archive with deflated entries, as a re-zipping tool would leave it.
    with zipfile.ZipFile(os.path.join(out, "resnet18.pth")) as src, \
            zipfile.ZipFile(os.path.join(out, "resnet18_deflated.pth"), "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    cases += [("resnet18.pth", "resnet18"), ("resnet18_wrapped.pth", "resnet18"), ("resnet18_model.pth", "resnet18"),
              ("resnet18_p4.pth", "resnet18"), ("resnet18_deflated.pth", "resnet18")]

    t = dtype_tensors()
    write_expected(out, "dtypes", t)
    torch.save(t, os.path.join(out, "dtypes.pth"))
    write_safetensors(os.path.join(out, "dtypes.safetensors"), t, {"format": "pt", "source": "gen_pth.py"})
    cases += [("dtypes.pth", "dtypes"), ("dtypes.safetensors", "dtypes")]

    torch.manual_seed(2)
    params = collections.OrderedDict(weight=torch.nn.Parameter(torch.randn(5, 3)),
                                     bias=torch.nn.Parameter(torch.randn(5)))
    write_expected(out, "params", params)
    torch.save(params, os.path.join(out, "params.pth"))  # _rebuild_parameter
    cases.append(("params.pth", "params"))

    with open(os.path.join(out, "cases.txt"), "w") as f:
        for file, expected in cases:
            f.write(f"{file} {expected}\n")
    print(f"wrote {len(cases)} checkpoint cases to {out}")


if __name__ == "__main__":
    generate(sys.argv[1])
