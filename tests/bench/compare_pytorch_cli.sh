#!/bin/sh
# bench/compare_pytorch.py end to end: bad options are one-line errors with a non-zero exit
# before any model runs, a small run writes JSON whose logits match PyTorch's, and with
# threads bound (OMP_PROC_BIND) the tessera it runs still has every CPU of the run.
#   compare_pytorch_cli.sh PYTHON TESSERA_BINARY SCRIPT
set -eu
py=$1 tessera=$2 script=$3
run() { "$py" "$script" --tessera "$tessera" "$@"; }
expect_error() {  # expect_error TEXT ARGS...: fails unless the run exits non-zero with TEXT on stderr
  text=$1
  shift
  if run "$@" 2>err.txt >/dev/null; then echo "accepted: $*"; exit 1; fi
  grep -q -- "$text" err.txt || { echo "no '$text' in: $(cat err.txt)"; exit 1; }
  [ "$(wc -l < err.txt)" -eq 1 ] || { echo "more than one line: $(cat err.txt)"; exit 1; }
}
expect_error "unknown model efficientnet_b0" --models resnet18,efficientnet_b0 --batches 1
expect_error "--batches 0" --models resnet18 --batches 0
expect_error "--json nowhere/out.json: no such directory" --models resnet18 --batches 1 --json nowhere/out.json
rm -f out.json
run --models mobilenet_v3_small --batches 1 --repeat 1 --json out.json >/dev/null
"$py" - <<'PY'
import json
data = json.load(open("out.json"))
rows = data["rows"]
assert data["openblas_core"], data  # the BLAS PyTorch ran on, stated
assert [(r["model"], r["batch"]) for r in rows] == [("mobilenet_v3_small", 1)], rows
r = rows[0]
assert r["tessera_ms"] > 0 and r["pytorch_ms"] > 0, r
# fp32 against fp32, one forward: the logits agree to rounding
assert r["max_abs_logit_diff"] <= 1e-4 * r["max_abs_logit"] + 1e-6, r
PY
# OpenMP pins the thread that loads it when OMP_PROC_BIND is set; tessera, started from
# that thread, must not inherit the one CPU.
cat > tessera_affinity.sh <<EOF
#!/bin/sh
grep Cpus_allowed_list /proc/self/status >> affinity.txt
exec "$tessera" "\$@"
EOF
chmod +x tessera_affinity.sh
rm -f affinity.txt
OMP_PROC_BIND=spread OMP_PLACES=cores "$py" "$script" --tessera ./tessera_affinity.sh --models mobilenet_v3_small \
  --batches 1 --repeat 1 >/dev/null
own=$(grep Cpus_allowed_list /proc/self/status)
[ -s affinity.txt ] || { echo "tessera never ran"; exit 1; }
if grep -vqx "$own" affinity.txt; then echo "tessera ran on fewer CPUs than '$own': $(sort -u affinity.txt)"; exit 1; fi
