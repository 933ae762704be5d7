#!/usr/bin/env python3
"""bench/plot_scaling.py on a real paired run and on hand-made JSON.

    plot_scaling_test.py BENCH_KERNELS PLOT_SCALING

1. bench-kernels runs the paired ResNet-18 conv benchmark at 1 and 2 threads; the CSV
   must hold, for Tessera, oneDNN and the FMA loop, each time of the JSON and its
   speedup (time on one thread / time on two), and the PNG must be a PNG.
2. A hand-made file with repetitions: the median aggregate, not the first run, decides.
3. Bad input: a missing file, a file that is not JSON, and JSON without a one-thread
   paired run each exit non-zero with one line naming the file, and write nothing.
"""
import csv
import json
import os
import subprocess
import sys

bench, script = sys.argv[1], sys.argv[2]
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print(f"FAIL: {what}")


def plot(json_path, out="scaling.png", out_csv="scaling.csv"):
    for p in (out, out_csv):
        if os.path.exists(p):
            os.remove(p)
    return subprocess.run([sys.executable, script, "--json", json_path, "--out", out, "--csv", out_csv],
                          capture_output=True, text=True)


def csv_rows(path):
    with open(path) as f:
        return {(r["case"], int(r["threads"]), r["impl"]): (float(r["ms"]), float(r["speedup"])) for r in csv.DictReader(f)}


# 1. A real run.
subprocess.run([bench, "--benchmark_filter=^paired/conv_f32/resnet18_all/threads:[12]/",
                "--benchmark_out=real.json", "--benchmark_out_format=json"], check=True, capture_output=True)
r = plot("real.json")
check(r.returncode == 0, f"plot of a real run exits 0 (stderr: {r.stderr.strip()})")
if r.returncode == 0:
    with open("scaling.png", "rb") as f:
        check(f.read(8) == b"\x89PNG\r\n\x1a\n", "scaling.png is a PNG")
    runs = {}
    for b in json.load(open("real.json"))["benchmarks"]:
        t = int(b["name"].split("threads:")[1].split("/")[0])
        runs[t] = {k[:-3]: v for k, v in b.items() if k.endswith("_ms")}
    rows = csv_rows("scaling.csv")
    for impl in ("tessera", "onednn_blocked", "fma_peak"):
        for t in (1, 2):
            got = rows.get(("conv_f32/resnet18_all", t, impl))
            check(got is not None, f"CSV row for {impl} at {t} threads")
            if got:
                check(abs(got[0] - runs[t][impl]) <= 1e-4 * runs[t][impl], f"{impl} {t} threads: ms {got[0]} vs JSON {runs[t][impl]}")
                want = runs[1][impl] / runs[t][impl]
                check(abs(got[1] - want) <= 1e-3 * want + 5e-4, f"{impl} {t} threads: speedup {got[1]} vs {want:.4f}")
    check("conv_f32/resnet18_all" in r.stdout and "tessera" in r.stdout, "the table names the case and Tessera")

# 2. Repetitions: the median aggregate decides, whatever the order of the entries.
name = "paired/gemm_f32/n:64/threads:{t}/iterations:5/manual_time"
doc = {"benchmarks": [
    {"name": name.format(t=1), "run_name": name.format(t=1), "run_type": "iteration", "tessera_ms": 1.0, "onednn_ms": 1.0},
    {"name": name.format(t=2), "run_name": name.format(t=2), "run_type": "iteration", "tessera_ms": 9.0, "onednn_ms": 9.0},
    {"name": name.format(t=2) + "_median", "run_name": name.format(t=2), "run_type": "aggregate",
     "aggregate_name": "median", "tessera_ms": 2.5, "onednn_ms": 4.0},
    {"name": name.format(t=1) + "_median", "run_name": name.format(t=1), "run_type": "aggregate",
     "aggregate_name": "median", "tessera_ms": 4.0, "onednn_ms": 6.0},
    {"name": name.format(t=1) + "_stddev", "run_name": name.format(t=1), "run_type": "aggregate",
     "aggregate_name": "stddev", "tessera_ms": 0.1, "onednn_ms": 0.1},
    {"name": "gemm_f32/tessera_avx512/n:64/threads:1/real_time", "run_type": "iteration", "GFLOPS": 1e9}]}
json.dump(doc, open("made.json", "w"))
r = plot("made.json")
check(r.returncode == 0, f"plot of made.json exits 0 (stderr: {r.stderr.strip()})")
if r.returncode == 0:
    rows = csv_rows("scaling.csv")
    check(rows.get(("gemm_f32/n:64", 2, "tessera")) == (2.5, 1.6), f"Tessera's median speedup 4 / 2.5: {rows}")
    check(rows.get(("gemm_f32/n:64", 2, "onednn")) == (4.0, 1.5), f"oneDNN's median speedup 6 / 4: {rows}")
    check(len(rows) == 4, f"two implementations x two thread counts, nothing else: {sorted(rows)}")

# 3. Bad input.
with open("not.json", "w") as f:
    f.write("{ not json")
no_one_thread = {"benchmarks": [d for d in doc["benchmarks"] if "threads:1" not in d.get("run_name", "")]}
json.dump(no_one_thread, open("two_only.json", "w"))
for path, why in (("missing.json", "cannot read"), ("not.json", "not a Google Benchmark JSON file"),
                  ("two_only.json", "no paired")):
    r = plot(path)
    lines = r.stderr.strip().splitlines()
    check(r.returncode != 0, f"{path}: non-zero exit")
    check(len(lines) == 1 and path in lines[0] and why in lines[0], f"{path}: one line naming it ({why}): {r.stderr!r}")
    check(not os.path.exists("scaling.png") and not os.path.exists("scaling.csv"), f"{path}: nothing written")

print("FAILED" if failures else "ok: plot_scaling")
sys.exit(1 if failures else 0)
