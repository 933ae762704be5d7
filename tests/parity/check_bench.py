"""`tessera bench` top-1 predictions vs PyTorch's on the same images: check_bench.py OUT

Reads OUT/reference.csv (gen_bench.py) and OUT/predictions.csv (written by the
parity.bench.resnet18 test). Passes when >= 99.8 % of the top-1 classes agree and every
disagreement is a near-tie in PyTorch's own logits (top-1/top-2 margin < 1e-4).
"""
import csv
import os
import sys


def main(out):
    ref = {r["path"]: r for r in csv.DictReader(open(os.path.join(out, "reference.csv")))}
    got = {r["path"]: r for r in csv.DictReader(open(os.path.join(out, "predictions.csv")))}
    assert set(got) == set(ref), f"image sets differ: {len(got)} predicted, {len(ref)} referenced"
    disagree = [p for p in ref if got[p]["top1"] != ref[p]["top1"]]
    agreement = 1 - len(disagree) / len(ref)
    for p in disagree:
        print(f"differs: {p}: tessera {got[p]['top1']} pytorch {ref[p]['top1']} (margin {ref[p]['margin']})")
        assert float(ref[p]["margin"]) < 1e-4, f"{p}: disagreement with a clear PyTorch margin"
    print(f"top-1 agreement with PyTorch: {agreement * 100:.2f} % of {len(ref)} images")
    assert agreement >= 0.998


if __name__ == "__main__":
    main(sys.argv[1])
