#!/usr/bin/env bash
# The main job, on a fresh machine: install packages, build Release, then benchmark a
# handful of zoo models over the real ImageNet images in tests/data at batch sizes
# 1/4/8/16 (accuracy, ms/image, images/s, peak memory, params, GFLOPs).
#
# Timings are real. Accuracy is meaningless with random weights (the table says so):
# pass your own data and torchvision checkpoints, e.g.
#   scripts/main-job.sh --data ~/imagenet-val-500 --weights-dir ~/.cache/torch/hub/checkpoints
# Any `tessera bench` option can be given; results also go to build/bench.json and .csv.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "${JOBS:-2}" --target tessera
./build/tessera info
./build/tessera bench --data tests/data/imagenet-sample --models "${MODELS:-resnet18,resnet50,vit_b_16,convnext_tiny}" --batch-sizes 1,4,8,16 \
  --json build/bench.json --csv build/bench.csv "$@"
