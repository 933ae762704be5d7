"""numpy reads back the .npy files Tessera wrote (tessera_<case>.npy): check_npy.py OUT"""
import os
import sys

import numpy as np


def verify(out):
    names = open(os.path.join(out, "cases.txt")).read().split()
    checked = 0
    for name in names:
        path = os.path.join(out, f"tessera_{name}.npy")
        got = np.load(path)
        want = np.load(os.path.join(out, f"{name}.npy"))
        if want.dtype == np.int64:
            want = want.astype(np.int32)  # Tessera narrows int64 labels to int32
        if want.dtype == np.bool_:
            want = want.astype(np.uint8)  # and stores bool as uint8
        if want.dtype.byteorder == ">":
            want = want.astype(want.dtype.newbyteorder("<"))
        assert got.flags["C_CONTIGUOUS"], path
        assert got.dtype == want.dtype, f"{path}: dtype {got.dtype} != {want.dtype}"
        assert got.shape == want.shape, f"{path}: shape {got.shape} != {want.shape}"
        assert np.array_equal(got, want), f"{path}: values differ"
        checked += 1
    assert checked == len(names) and checked > 0
    print(f"numpy read back {checked} files written by Tessera: identical")


if __name__ == "__main__":
    verify(sys.argv[1])
