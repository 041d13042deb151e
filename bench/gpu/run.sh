#!/usr/bin/env bash
# GPU benchmark: onnxruntime-node (webgpu) vs PyTorch on the same weights, on the same GPU.
# Prepared for the device machine; NOT run in the session that wrote it (no GPU was lent).
#
# The real bundle (~53 MB, fp16 weights that xz barely compresses) and node + onnxruntime-node
# (~30 MB) do not fit one call's 64 MiB carry, so the run takes two calls on the same warm machine:
#   bash bench/gpu/prepare.sh [BUNDLE_DIR]   # here: .carry/gpu-tools, .carry/gpu-bundle and the Vulkan loader debs in .gl/
#   run(command="bash bench/gpu/run.sh setup", carry=[".carry/gpu-tools", ".gl"], timeout_s=300)
#   run(command="bash bench/gpu/run.sh bench", carry=[".carry/gpu-bundle"], timeout_s=600)   # at once, same machine
# Before any device call, prove both calls here on the CPU with the fixture (~1.5 min: the same
# unpacking, both halves, the comparison, every file under $OUT), then pack the real bundle:
#   bash bench/gpu/prepare.sh && OUT=/tmp/gpu-dry bash bench/gpu/run.sh dry-run
#   mv models/<id> /tmp/real-bundle && bash bench/gpu/prepare.sh /tmp/real-bundle   # 56 MiB with the tree
# (The first GPU call of this benchmark lost the PyTorch half to onnx2torch's torchvision import and
# its printed figures to onnxruntime's warnings: both found here now.)
# `setup` unpacks node, the app and the wheels under /tmp/gpu-bench and installs the loaders into /
# (both stay on the warm machine); `bench` runs both halves on the carried bundle. With a bundle
# committed under models/, move models/<id> out of the working tree for both calls (the tree travels
# too) and back after.
#
# Prints both sides' figures and the ratios: images/s (target: ours >= 0.5 x PyTorch's) and
# denoiser evaluations/s per batch size; then the engine's pipeline utilisation and its batch-size
# sweep (bench/batch-size.ts). Each part runs even when another fails; the ratio comes first, so a
# call cut short by its time limit still has it.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
B=${B:-/tmp/gpu-bench}
# each part's output goes to $OUT as it runs (it comes back even from a call cut short by its time
# limit: a call's printed tail is only 12,000 characters); onnxruntime's warnings are left out
R=${OUT:-$B}
quiet() { grep --line-buffered -v -E 'onnxruntime:|^\s*$' | tee "$R/$1"; }

setup() (  # a subshell: its set -e must not reach bench
  set -e
  # Vulkan loader for Dawn (WebGPU on Linux runs over Vulkan)
  if [ -z "${DRY:-}" ] && compgen -G ".gl/*.deb" >/dev/null; then for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig; fi
  rm -rf $B && mkdir -p $B
  tar -xJf .carry/gpu-tools/node.tar.xz -C $B && tar -xJf .carry/gpu-tools/app.tar.xz -C $B
  python3 -m pip install -q --no-deps --target $B/py .carry/gpu-tools/wheels/*.whl
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
  echo "READY: now run 'bash bench/gpu/run.sh bench' with carry=[\".carry/gpu-bundle\"] on this machine"
)

bench() {
  mkdir -p "$R"
  [ -x $B/bin/node ] || { echo "no $B/bin/node: run 'bash bench/gpu/run.sh setup' first, on this same warm machine"; exit 2; }
  bundle=$PWD/.carry/gpu-bundle/bundle
  [ -f "$bundle/manifest.json" ] || { echo "no bundle in .carry/gpu-bundle: carry it"; exit 2; }
  if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  fi
  export PATH=$B/bin:$PATH
  echo "== onnxruntime-node"
  (cd $B/app && node dist/bench/gpu/ort.js --bundle "$bundle" --provider "${PROVIDER:-webgpu}") 2>&1 | quiet ort.txt
  echo "onnxruntime-node half: exit ${PIPESTATUS[0]}"
  echo "== PyTorch (the bundle's weights through onnx2torch)"
  PYTHONPATH=$B/py python3 bench/gpu/torch_baseline.py --bundle "$bundle" 2>&1 | quiet torch.txt
  echo "PyTorch half: exit ${PIPESTATUS[0]}"
  compare
  echo "== the engine's micro-batch pipeline: denoiser utilisation, sequential vs overlapped (target >= 90%)"
  (cd $B/app && node dist/bench/pipeline.js --bundle "$bundle" --provider "${PROVIDER:-webgpu}") 2>&1 | quiet pipeline.txt
  echo "pipeline: exit ${PIPESTATUS[0]}"
  echo "== batch sizes: the sweep that sets src/domain/batching.ts's row for this provider"
  (cd $B/app && node dist/bench/batch-size.js --bundle "$bundle" --provider "${PROVIDER:-webgpu}" --images 64 --repeat 2) 2>&1 | quiet batch.txt
  echo "batch sizes: exit ${PIPESTATUS[0]}"
}

compare() {
  R=$R python3 - <<'PY' | tee "$R/compare.txt"
import json, os
R = os.environ['R']

def result(path):
    try:
        return json.loads([l for l in open(path) if l.startswith('RESULT ')][-1][7:])
    except (OSError, IndexError):
        return None

ort, pt = result(f'{R}/ort.txt'), result(f'{R}/torch.txt')
for name, r in (('onnxruntime-node', ort), ('PyTorch', pt)):
    print(f"{name}: {'no RESULT line (see its output above)' if r is None else 'ok'}")
if ort and pt:
    print(f"device: {pt['device']}; ort-node provider actually used: {ort.get('engineProvider')}")
    best_ort = max(ort['imagesPerSecond'].values())
    for dtype, rate in pt['imagesPerSecond'].items():
        print(f"images/s: ort-node {best_ort:.1f} vs pytorch {dtype} {rate:.1f} -> ratio {best_ort / rate:.2f} (target >= 0.5)")
    for b, rate in ort['evaluationsPerSecond'].items():
        base = pt['evaluationsPerSecond'].get(f'fp32-{b}')
        if base:
            print(f"denoiser batch {b}: ort-node {rate:.0f}/s vs pytorch fp32 {base:.0f}/s -> ratio {rate / base:.2f}")
PY
}

case "${1:-}" in
  setup) setup ;;
  bench) bench ;;
  dry-run) export B=/tmp/gpu-bench-dry DRY=1 PROVIDER=cpu && R=${OUT:-$B} && setup && bench ;;
  *) echo "usage: bash bench/gpu/run.sh setup|bench|dry-run (two calls on the same warm machine; see the header)"; exit 2 ;;
esac
