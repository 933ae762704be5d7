#!/usr/bin/python3
"""Model latency, Tessera vs PyTorch, side by side in one run on this machine.

  bench/compare_pytorch.py [--models resnet18,resnet50] [--batches 1,16] [--threads 2]
                           [--repeat 10] [--tessera build/tessera] [--json out.json]

Both run the same torchvision weights (random init, saved with torch.save) on the same
N(0,1) input, eval mode, fp32. PyTorch: torch.no_grad(), set_num_threads(threads), the
median of `repeat` timed runs after one warm-up. Tessera: `tessera run --repeat`, whose
last line gives the median the same way. ratio = PyTorch time / Tessera time (>1: Tessera
is faster). Prints a table and, with --json, writes the figures. PyTorch's Linear layers
run on OpenBLAS, which this script runs on the kernels of the CPU's widest ISA (see
openblas_on_widest_kernels below); the first line and the JSON say which.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

# The CPUs this run may use, before any OpenMP runtime loads: with OMP_PROC_BIND set, the
# runtime (loaded with OpenBLAS or torch) pins the loading thread to its first place, and
# processes started from it would inherit that single CPU. The run of this script itself
# again and every `tessera` it starts get these back.
CPUS_AT_START = os.sched_getaffinity(0)


def openblas_on_widest_kernels():
    """PyTorch's Linear layers and matmuls run on OpenBLAS here (Debian's torch links it).
    OpenBLAS picks its kernels by CPU model as it loads, and a CPU newer than its release
    gets the generic SSE3 ones: Debian's 0.3.21 on an Emerald Rapids Xeon ran PyTorch's
    1024^3 matmul at 23 GFLOP/s, against 121 on its AVX-512 kernels. As bench-kernels does
    (bench/kernels/openblas_core.h), run it on the kernels of the CPU's widest ISA unless
    OPENBLAS_CORETYPE is set: the script runs itself again with the variable set.
    Returns the core OpenBLAS runs, and why."""
    import ctypes
    try:
        core = ctypes.CDLL("libopenblas.so.0").openblas_get_corename
        core.restype = ctypes.c_char_p
        core = core().decode()
    except (OSError, AttributeError):
        return "not loaded"
    if "TESSERA_OPENBLAS_PICKED" in os.environ:
        return f"{core} (set by compare_pytorch.py; OpenBLAS picked {os.environ['TESSERA_OPENBLAS_PICKED']})"
    if "OPENBLAS_CORETYPE" in os.environ:
        return f"{core} (OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']})"
    with open("/proc/cpuinfo") as f:
        flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    avx512, avx2 = ("SkylakeX", "Cooperlake", "SapphireRapids"), ("Haswell", "Zen", "Excavator")
    better = None
    if "avx512f" in flags and core not in avx512:
        better = "SkylakeX"
    elif "avx2" in flags and "fma" in flags and core not in avx512 + avx2:
        better = "Haswell"
    if better:
        os.environ.update(TESSERA_OPENBLAS_PICKED=core, OPENBLAS_CORETYPE=better)
        os.sched_setaffinity(0, CPUS_AT_START)
        os.execv(sys.executable, [sys.executable] + sys.argv)
    return core


OPENBLAS_CORE = openblas_on_widest_kernels()

import numpy as np  # noqa: E402  (after OpenBLAS's kernels are settled: numpy loads it too)
import torch  # noqa: E402
import torchvision  # noqa: E402


# Constructor arguments that make torchvision build the graph Tessera registers (as with
# torchvision's pretrained weights): GoogLeNet without its training-only aux heads.
CONSTRUCTOR_ARGS = {"googlenet": dict(aux_logits=False, transform_input=True, init_weights=True)}


def torch_latency(model, x, repeat):
    with torch.no_grad():
        model(x)
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), min(times)


def fail(message):
    sys.exit(f"compare_pytorch.py: error: {message}")


def run_tessera(cmd):
    """stdout of a tessera command; its own one-line error, if it fails, becomes ours."""
    try:
        return subprocess.run(cmd, check=True, capture_output=True, text=True,
                              preexec_fn=lambda: os.sched_setaffinity(0, CPUS_AT_START)).stdout
    except FileNotFoundError:
        fail(f"{cmd[0]}: no such binary (build it: cmake --build build --target tessera, or pass --tessera)")
    except subprocess.CalledProcessError as e:
        lines = e.stderr.strip().splitlines()
        fail(f"'{' '.join(cmd[:2])}' failed: {lines[-1] if lines else f'exit status {e.returncode}'}")


def tessera_latency(binary, name, weights, x_path, out_path, threads, repeat):
    cmd = [binary, "run", "--model", name, "--weights", weights, "--input", x_path, "--output", out_path,
           "--threads", str(threads), "--repeat", str(repeat)]
    last = run_tessera(cmd).strip().splitlines()[-1]
    fields = dict(kv.split("=") for kv in last.split()[1:])
    return float(fields["median"]), float(fields["min"])


def model_names(binary, wanted):
    """The models to run: those asked for, each one Tessera and torchvision both build."""
    listing = run_tessera([binary, "models", "--no-flops"])
    known = [line.split()[0] for line in listing.splitlines()[2:] if line.strip()]
    known = [name for name in known if hasattr(torchvision.models, name)]
    if wanted == "all":
        return known
    names = [name for name in wanted.split(",") if name]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        fail(f"--models {wanted}: unknown model {', '.join(unknown) or '(none given)'} (known: {', '.join(known)})")
    return names


def write_json(path, data):
    """Writes through a temporary file beside `path`, so a failed run leaves no half file."""
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "w") as f:
            json.dump(data, f, indent=1)
        os.replace(tmp, path)
    except OSError as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        fail(f"--json {path}: {e.strerror}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="resnet18,resnet50", help="comma-separated, or 'all' (tessera models)")
    ap.add_argument("--batches", default="1,16")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--tessera", default=os.path.join(os.path.dirname(__file__), "..", "build", "tessera"))
    ap.add_argument("--json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    if args.json and not os.path.isdir(os.path.dirname(os.path.abspath(args.json))):
        fail(f"--json {args.json}: no such directory")
    names = model_names(args.tessera, args.models)
    try:
        batches = [int(v) for v in args.batches.split(",")]
    except ValueError:
        batches = []
    if not batches or min(batches) < 1:
        fail(f"--batches {args.batches}: expected whole numbers of 1 or more, comma-separated")
    print(f"PyTorch {torch.__version__}, {args.threads} threads; its BLAS: OpenBLAS, core {OPENBLAS_CORE}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            torch.manual_seed(0)
            model = getattr(torchvision.models, name)(**CONSTRUCTOR_ARGS.get(name, {})).eval()
            weights = os.path.join(tmp, f"{name}.pth")
            torch.save(model.state_dict(), weights)
            for b in batches:
                x = torch.randn(b, 3, 224, 224, generator=torch.Generator().manual_seed(b))
                x_path, y_path = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
                np.save(x_path, x.numpy())
                t_med, t_min = torch_latency(model, x, args.repeat)
                s_med, s_min = tessera_latency(args.tessera, name, weights, x_path, y_path, args.threads, args.repeat)
                with torch.no_grad():
                    want = model(x).numpy()
                diff = float(np.abs(np.load(y_path) - want).max())
                scale = float(np.abs(want).max())  # default-init logits can be huge: read diff against it
                rows.append(dict(model=name, batch=b, threads=args.threads, pytorch_ms=t_med, tessera_ms=s_med,
                                 pytorch_min_ms=t_min, tessera_min_ms=s_min, ratio=t_med / s_med,
                                 max_abs_logit_diff=diff, max_abs_logit=scale))
                r = rows[-1]
                print(f"{name:<10} batch {b:>3}  PyTorch {t_med:9.1f} ms  Tessera {s_med:9.1f} ms  "
                      f"ratio {r['ratio']:5.2f}x  max|dlogit| {diff:.1e} of |logit| <= {scale:.1e}", flush=True)
    if args.json:
        write_json(args.json, {"torch": torch.__version__, "openblas_core": OPENBLAS_CORE, "threads": args.threads,
                               "repeat": args.repeat, "rows": rows})


if __name__ == "__main__":
    main()
