"""torch loads back the checkpoints Tessera wrote (tessera_<file>): check_pth.py OUT

Every tensor must come back with the original's name, order, dtype, shape and bits;
views that shared a storage must still share one; torchvision's resnet18 must accept the
state dict with strict=True and give outputs identical to the original model's.
"""
import json
import os
import struct
import sys
import zipfile

import torch
import torchvision

SAFETENSORS_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64,
                      "I32": torch.int32, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool}


def bits(x):
    """The tensor's bits as integers, so NaN payloads and -0.0 compare exactly."""
    x = x.detach().contiguous()
    if x.dtype in (torch.float16, torch.bfloat16):
        return x.view(torch.int16)
    if x.dtype == torch.float32:
        return x.view(torch.int32)
    return x


def same_state_dict(got, want, path):
    assert list(got.keys()) == list(want.keys()), f"{path}: names or order differ"
    for k in want:
        g, w = got[k], want[k]
        assert g.dtype == w.dtype, f"{path}: {k}: dtype {g.dtype} != {w.dtype}"
        assert g.shape == w.shape, f"{path}: {k}: shape {tuple(g.shape)} != {tuple(w.shape)}"
        assert torch.equal(bits(g), bits(w)), f"{path}: {k}: values differ"
    return len(want)


def check_aligned(path):
    """torch writes every entry's data 64-byte aligned; so must Tessera."""
    with zipfile.ZipFile(path) as z, open(path, "rb") as f:
        for info in z.infolist():
            f.seek(info.header_offset + 26)
            name_len, extra_len = struct.unpack("<HH", f.read(4))
            data = info.header_offset + 30 + name_len + extra_len
            assert data % 64 == 0, f"{path}: {info.filename} data at {data}, not 64-byte aligned"
            assert info.compress_type == zipfile.ZIP_STORED


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        dtype = SAFETENSORS_DTYPES[v["dtype"]]
        raw = torch.frombuffer(bytearray(data[b:e]), dtype=torch.uint8) if e > b else torch.empty(0, dtype=torch.uint8)
        out[k] = raw.view(dtype).reshape(v["shape"])
    order = sorted(out, key=lambda k: header[k]["data_offsets"][0])
    return {k: out[k] for k in order}, header.get("__metadata__")


def verify(out):
    cases = [line.split() for line in open(os.path.join(out, "cases.txt")) if line.strip()]
    checked_files = checked_tensors = 0
    for file, expected in cases:
        want = torch.load(os.path.join(out, f"{expected}.pth"))
        mine = os.path.join(out, f"tessera_{file}")
        if file.endswith(".safetensors"):
            got, metadata = read_safetensors(mine)
            assert metadata == {"format": "pt", "source": "gen_pth.py"}, f"{mine}: metadata {metadata}"
        else:
            check_aligned(mine)
            got = torch.load(mine)
            if expected == "dtypes":  # views of one storage are still views of one storage
                assert got["shared_row"].storage().data_ptr() == got["shared_col"].storage().data_ptr(), mine
                assert got["transposed"].stride() == want["transposed"].stride(), mine
            if expected == "resnet18":
                assert hasattr(got, "_metadata") and got._metadata == want._metadata, f"{mine}: _metadata differs"
        checked_tensors += same_state_dict(got, want, mine)
        checked_files += 1

        if expected == "resnet18":
            original = torchvision.models.resnet18(num_classes=10)
            original.load_state_dict(want, strict=True)
            reloaded = torchvision.models.resnet18(num_classes=10)
            reloaded.load_state_dict(got, strict=True)
            torch.manual_seed(3)
            x = torch.randn(2, 3, 64, 64)
            original.eval(), reloaded.eval()
            with torch.no_grad():
                a, b = original(x), reloaded(x)
            assert torch.equal(a, b), f"{mine}: outputs differ by {(a - b).abs().max().item()}"
    assert checked_files == len(cases) and checked_files > 0
    print(f"torch read back {checked_files} files written by Tessera ({checked_tensors} tensors): identical; "
          "resnet18 loads with strict=True and gives identical outputs")


if __name__ == "__main__":
    verify(sys.argv[1])
