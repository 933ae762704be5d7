"""What bench/plot_gemm.py and bench/plot_scaling.py share: reading a bench-kernels JSON file,
temporary names beside the final ones, and running gnuplot, each failure a one-line error."""
import json
import os
import subprocess
import sys


def fail(tool, msg):
    print(f"{tool}: {msg}", file=sys.stderr)
    sys.exit(1)


def load_benchmarks(tool, path):
    """The "benchmarks" list of a Google Benchmark JSON file."""
    try:
        with open(path) as f:
            return json.load(f).get("benchmarks", [])
    except OSError as e:
        fail(tool, f"{path}: cannot read ({e.strerror})")
    except json.JSONDecodeError as e:
        fail(tool, f"{path}: not a Google Benchmark JSON file ({e.msg} at line {e.lineno})")


def beside(path):
    """A hidden temporary name in the same folder, to be renamed over `path` once complete."""
    return os.path.join(os.path.dirname(os.path.abspath(path)), "." + os.path.basename(path) + ".tmp")


def gnuplot(tool, script):
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True, capture_output=True)
    except FileNotFoundError:
        fail(tool, "gnuplot not found (scripts/install-deps.sh installs it)")
    except subprocess.CalledProcessError as e:
        fail(tool, f"gnuplot failed: {e.stderr.strip().splitlines()[-1] if e.stderr.strip() else e}")
