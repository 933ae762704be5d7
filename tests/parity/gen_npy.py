"""numpy writes arrays in every .npy layout Tessera must read: gen_npy.py OUT

Each case is stored twice: as the variant under test and as a plain C-order
little-endian "expected" file, so the C++ side (test_npy_parity.cpp) compares the
two and writes tessera_<case>.npy back for check_npy.py.
"""
import os
import sys

import numpy as np


def cases():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((3, 5, 7)).astype(np.float32)
    ints = rng.integers(-1000, 1000, size=(4, 9)).astype(np.int32)
    yield "f32_c", base, base
    yield "f32_fortran", np.asfortranarray(base), base
    yield "f32_bigendian", base.astype(">f4"), base
    yield "f32_scalar", np.array(3.25, dtype=np.float32), np.array(3.25, dtype=np.float32)
    yield "f32_empty", np.zeros((0, 4), np.float32), np.zeros((0, 4), np.float32)
    yield "f32_transposed_view", base.transpose(2, 0, 1), np.ascontiguousarray(base.transpose(2, 0, 1))
    yield "i32", ints, ints
    yield "i64_labels", ints.astype(np.int64), ints
    yield "i8", np.arange(-128, 128, dtype=np.int8).reshape(16, 16), \
        np.arange(-128, 128, dtype=np.int32).reshape(16, 16)
    yield "u8_image", rng.integers(0, 256, size=(2, 3, 8, 8)).astype(np.uint8), None
    yield "bool", np.array([True, False, True]), np.array([1, 0, 1], dtype=np.int32)


def generate(out):
    os.makedirs(out, exist_ok=True)
    names = []
    for name, arr, expected in cases():
        np.save(os.path.join(out, f"{name}.npy"), arr)
        if expected is None:
            expected = arr.astype(np.int32)
        np.save(os.path.join(out, f"{name}.expected.npy"), np.array(expected, order="C"))  # keeps 0-d
        names.append(name)
    # A format-2.0 file: numpy switches to it when the header exceeds 64 KiB (many dims won't do
    # that, so force it through the format module).
    from numpy.lib import format as npf
    with open(os.path.join(out, "f32_v2.npy"), "wb") as f:
        npf.write_array(f, np.arange(6, dtype=np.float32).reshape(2, 3), version=(2, 0))
    np.save(os.path.join(out, "f32_v2.expected.npy"), np.arange(6, dtype=np.float32).reshape(2, 3))
    names.append("f32_v2")
    with open(os.path.join(out, "cases.txt"), "w") as f:
        f.write("\n".join(names) + "\n")
    print(f"wrote {len(names)} npy cases to {out}")


if __name__ == "__main__":
    generate(sys.argv[1])
