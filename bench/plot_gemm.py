#!/usr/bin/env python3
"""SGEMM GFLOP/s against size, one line per implementation, from a bench-kernels JSON file.

    bench/plot_gemm.py [--json build/bench-kernels.json] [--out build/bench-gemm.png]

Reads the `gemm_f32/<impl>/n:<n>/threads:<t>` results (medians when the run had
repetitions, with error bars for their 95 % ranges) and the `peak/fma_f32/<isa>/threads:<t>`
FMA peak of the same run, and draws one panel per thread count with gnuplot. `scripts/bench-kernels.sh gemm-plot` runs the
sweep and this script. The PNG is written beside its final name, then renamed into place.
"""
import argparse
import math
import os
import re
import tempfile

import plot_util

GEMM = re.compile(r"^gemm_f32/(?P<impl>[^/]+)/n:(?P<n>\d+)/threads:(?P<t>\d+)(/|$)")
PEAK = re.compile(r"^peak/fma_f32/(?P<isa>[^/]+)/threads:(?P<t>\d+)(/|$)")
# Line order and colours: Tessera first, then the peers.
ORDER = ["tessera_avx512", "tessera_avx512_packed_a", "tessera_avx2", "onednn", "openblas", "eigen"]


def fail(msg):
    plot_util.fail("plot_gemm", msg)


def results(path):
    """{run_name: (GFLOPS, half-width of its 95 % range or 0)}: the median aggregate where
    there is one (its range from the stddev aggregate, as bench-kernels' ratio table takes
    it: sqrt(pi/2) * stddev / sqrt(n) for the median of n repetitions), else the first run."""
    medians, stddevs, reps, firsts = {}, {}, {}, {}
    for b in plot_util.load_benchmarks("plot_gemm", path):
        name, gflops = b.get("run_name", b.get("name", "")), b.get("GFLOPS")
        if gflops is None:
            continue
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[name] = gflops
                reps[name] = b.get("repetitions", 0)
            elif b.get("aggregate_name") == "stddev":
                stddevs[name] = gflops
        else:
            firsts.setdefault(name, gflops)
    out = {name: (g, 0.0) for name, g in firsts.items()}
    for name, g in medians.items():
        n = reps.get(name, 0)
        half = 1.96 * math.sqrt(math.pi / 2) * stddevs[name] / math.sqrt(n) if name in stddevs and n >= 2 else 0.0
        out[name] = (g, half)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", default="build/bench-kernels.json")
    ap.add_argument("--out", default="build/bench-gemm.png")
    args = ap.parse_args()

    gemm, peaks = {}, {}  # gemm[t][impl] = [(n, gflops)], peaks[t][isa] = gflops
    for name, (gflops, half) in results(args.json).items():
        if m := GEMM.match(name):
            gemm.setdefault(int(m["t"]), {}).setdefault(m["impl"], []).append((int(m["n"]), gflops, half))
        elif m := PEAK.match(name):
            peaks.setdefault(int(m["t"]), {})[m["isa"]] = gflops
    # The widest ISA's peak: the ceiling of the fastest path.
    peak = {t: max(p.items(), key=lambda kv: kv[1]) for t, p in peaks.items()}
    if not gemm:
        fail(f"{args.json}: no gemm_f32/<impl>/n:<n>/threads:<t> results "
             "(run scripts/bench-kernels.sh gemm-plot)")

    threads = sorted(gemm)
    with tempfile.TemporaryDirectory() as tmp:
        plots = []
        for t in threads:
            impls = sorted(gemm[t], key=lambda i: (ORDER.index(i) if i in ORDER else len(ORDER), i))
            lines = []
            for impl in impls:
                data = os.path.join(tmp, f"{impl}.{t}.dat")
                with open(data, "w") as f:
                    f.writelines(f"{n} {g:.3f} {h:.3f}\n" for n, g, h in sorted(gemm[t][impl]))
                width = 3 if impl.startswith("tessera") else 2
                style = "yerrorlines" if any(h > 0 for _, _, h in gemm[t][impl]) else "linespoints"
                lines.append(f"'{data}' using 1:2{':3' if style == 'yerrorlines' else ''} with {style} lw {width} "
                             f"pt 7 ps 0.6 title '{impl}'")
            title = f"{t} thread{'s' if t > 1 else ''}"
            if t in peak:
                isa, g = peak[t]
                lines.append(f"{g:.3f} with lines dt 2 lw 2 lc rgb 'gray40' title 'FMA peak ({isa}, {g:.0f})'")
            plots.append(f"set title '{title}'\nplot " + ", \\\n  ".join(lines))
        tmp_png = plot_util.beside(args.out)
        script = "\n".join([
            f"set terminal pngcairo noenhanced size {560 * len(threads)},460 font 'sans,10'",
            f"set output '{tmp_png}'",
            f"set multiplot layout 1,{len(threads)} title 'SGEMM C = A B, square n x n x n, row-major (GFLOP/s, higher is better)'",
            "set logscale x 2", "set xrange [48:2800]", "set xtics (64, 128, 256, 512, 1024, 2048)",
            "set xlabel 'n'", "set ylabel 'GFLOP/s'", "set yrange [0:*]", "set grid",
            "set key bottom right", *plots, "unset multiplot", ""])
        plot_util.gnuplot("plot_gemm", script)
        os.replace(tmp_png, args.out)
    print(f"plot_gemm: wrote {args.out} ({', '.join(str(t) for t in threads)} thread panels)")


if __name__ == "__main__":
    main()
