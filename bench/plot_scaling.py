#!/usr/bin/env python3
"""Thread scaling from the paired benchmarks: speedup over one thread, per implementation.

    bench/plot_scaling.py [--json build/bench-kernels.json] [--out build/bench-scaling.png]
                          [--csv build/bench-scaling.csv]

Reads the `paired/<op>/<case>/threads:<t>` results of a bench-kernels JSON file (the
median aggregate where the run had repetitions, else the first run). Each holds the
median time of Tessera (`tessera_ms`) and of every peer (`<peer>_ms`), all measured in
the same iterations, so one thread count's figures share the machine's state. A
speedup is an implementation's time on one thread over its time on t threads; the
pseudo-peer `fma_peak` (the FMA loop over the same FLOPs on the same threads) shows how
far the machine itself scales, clocks and neighbours included. Prints a table, writes it
as CSV, and draws one panel per case with gnuplot. `scripts/bench-kernels.sh scaling`
runs the benchmarks and this script. Files are written beside their final names, then
renamed into place.
"""
import argparse
import csv
import os
import re
import tempfile

import plot_util

PAIRED = re.compile(r"^paired/(?P<case>.+?)/threads:(?P<t>\d+)(/|$)")
# Line order: Tessera first, the peers (these, then any other by name), the machine's own FMA scaling last.
ORDER = ["tessera", "onednn", "onednn_blocked", "openblas", "eigen"]
TITLES = {"fma_peak": "FMA loop (the machine)"}


def fail(msg):
    plot_util.fail("plot_scaling", msg)


def paired_times(path):
    """{case: {threads: {impl: ms}}} from the paired results of a bench-kernels JSON file."""
    medians, firsts = {}, {}
    for b in plot_util.load_benchmarks("plot_scaling", path):
        m = PAIRED.match(b.get("run_name", b.get("name", "")))
        if not m:
            continue
        times = {k[:-3]: v for k, v in b.items() if k.endswith("_ms") and isinstance(v, (int, float))}
        if "tessera" not in times:
            continue
        key = (m["case"], int(m["t"]))
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[key] = times
        else:
            firsts.setdefault(key, times)
    out = {}
    for (case, t), times in {**firsts, **medians}.items():
        out.setdefault(case, {})[t] = times
    return out


def speedups(times):
    """[(case, threads, impl, ms, speedup over its one-thread time)] for every case run on one thread."""
    rows = []
    for case in sorted(times):
        by_t = times[case]
        if 1 not in by_t:
            continue
        impls = sorted(by_t[1], key=lambda i: (i == "fma_peak", ORDER.index(i) if i in ORDER else len(ORDER), i))
        for t in sorted(by_t):
            for impl in impls:
                if impl in by_t[t] and by_t[t][impl] > 0:
                    rows.append((case, t, impl, by_t[t][impl], by_t[1][impl] / by_t[t][impl]))
    return rows


def write_csv(rows, path):
    tmp = plot_util.beside(path)
    try:
        with open(tmp, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["case", "threads", "impl", "ms", "speedup"])
            w.writerows([c, t, i, f"{ms:.4f}", f"{s:.3f}"] for c, t, i, ms, s in rows)
        os.replace(tmp, path)
    except OSError as e:
        fail(f"{path}: cannot write ({e.strerror})")


def print_table(rows):
    cases = sorted({r[0] for r in rows})
    for case in cases:
        mine = [r for r in rows if r[0] == case]
        impls = list(dict.fromkeys(r[2] for r in mine))
        print(f"\n{case}: time (speedup over one thread)")
        print(f"{'threads':>7}" + "".join(f"{i:>24}" for i in impls))
        for t in sorted({r[1] for r in mine}):
            cells = {r[2]: r for r in mine if r[1] == t}
            print(f"{t:>7}" + "".join(
                f"{cells[i][3]:>14.3f} ms {cells[i][4]:>5.2f}x" if i in cells else f"{'-':>24}" for i in impls))


def plot(rows, out):
    cases = sorted({r[0] for r in rows})
    max_t = max(r[1] for r in rows)
    with tempfile.TemporaryDirectory() as tmp:
        panels = []
        for n, case in enumerate(cases):
            lines = ["x with lines dt 3 lw 1 lc rgb 'gray60' title 'ideal'"]
            for impl in dict.fromkeys(r[2] for r in rows if r[0] == case):
                data = os.path.join(tmp, f"{n}.{impl}.dat")
                with open(data, "w") as f:
                    f.writelines(f"{t} {s:.4f}\n" for c, t, i, _, s in rows if c == case and i == impl)
                style = "dt 2 lw 2 lc rgb 'gray40'" if impl == "fma_peak" else f"lw {3 if impl == 'tessera' else 2}"
                lines.append(f"'{data}' using 1:2 with linespoints {style} pt 7 ps 0.6 "
                             f"title '{TITLES.get(impl, impl)}'")
            panels.append(f"set title '{case}'\nplot " + ", \\\n  ".join(lines))
        tmp_png = plot_util.beside(out)
        xtics = ", ".join(str(1 << k) for k in range(max_t.bit_length()) if 1 << k <= max_t)
        script = "\n".join([
            f"set terminal pngcairo noenhanced size {460 * len(cases)},430 font 'sans,10'",
            f"set output '{tmp_png}'",
            f"set multiplot layout 1,{len(cases)} title 'Speedup over one thread (paired benchmarks: every "
            "implementation timed in the same iterations; higher is better)'",
            "set logscale xy 2", f"set xrange [0.8:{max_t * 1.25}]", f"set yrange [0.8:{max_t * 1.25}]",
            f"set xtics ({xtics})", f"set ytics ({xtics})",
            "set xlabel 'threads'", "set ylabel 'speedup'", "set grid", "set key top left",
            *panels, "unset multiplot", ""])
        plot_util.gnuplot("plot_scaling", script)
        os.replace(tmp_png, out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", default="build/bench-kernels.json")
    ap.add_argument("--out", default="build/bench-scaling.png")
    ap.add_argument("--csv", default="build/bench-scaling.csv")
    args = ap.parse_args()

    rows = speedups(paired_times(args.json))
    if not rows:
        fail(f"{args.json}: no paired/<op>/<case>/threads:<t> results with a one-thread run "
             "(run scripts/bench-kernels.sh scaling)")
    print_table(rows)
    write_csv(rows, args.csv)
    plot(rows, args.out)
    print(f"\nplot_scaling: wrote {args.out} and {args.csv}")


if __name__ == "__main__":
    main()
