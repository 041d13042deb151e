#!/usr/bin/env bash
# GPU benchmark: onnxruntime-node (webgpu) vs PyTorch on the same weights, on the same GPU, in one
# call. Prepared for the device machine; NOT run in the session that wrote it (no GPU was lent).
#
# On the development machine, from the repository root:
#   bash bench/gpu/prepare.sh [BUNDLE_DIR]   # builds dist/, packs node + onnxruntime-node + the bundle + the onnx2torch wheel into .carry/gpu
#   (once, per the device README: download the Vulkan loader debs into .gl/)
# Then with the device tool: run(command="bash bench/gpu/run.sh", carry=[".carry/gpu", ".gl"], timeout_s=600)
#
# Prints both sides' figures and the ratios: images/s (target: ours >= 0.5 x PyTorch's) and
# denoiser evaluations/s per batch size.
set -euo pipefail
cd "$(dirname "$0")/../.."
C=.carry/gpu

# Vulkan loader for Dawn (WebGPU on Linux runs over Vulkan).
if compgen -G ".gl/*.deb" >/dev/null; then for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig; fi
if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi

mkdir -p /tmp/gpu-bench && tar -xJf $C/node.tar.xz -C /tmp/gpu-bench && tar -xJf $C/app.tar.xz -C /tmp/gpu-bench
export PATH=/tmp/gpu-bench/bin:$PATH
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true

echo "== onnxruntime-node"
(cd /tmp/gpu-bench/app && node dist/bench/gpu/ort.js --bundle bundle --provider "${PROVIDER:-webgpu}") | tee /tmp/gpu-bench/ort.txt
echo "== PyTorch (the bundle's weights through onnx2torch)"
python3 -m pip install -q --no-deps --target /tmp/gpu-bench/py $C/wheels/*.whl
PYTHONPATH=/tmp/gpu-bench/py python3 bench/gpu/torch_baseline.py --bundle /tmp/gpu-bench/app/bundle | tee /tmp/gpu-bench/torch.txt

python3 - <<'PY'
import json
ort = json.loads([l for l in open('/tmp/gpu-bench/ort.txt') if l.startswith('RESULT ')][-1][7:])
pt = json.loads([l for l in open('/tmp/gpu-bench/torch.txt') if l.startswith('RESULT ')][-1][7:])
print(f"device: {pt['device']}; ort-node provider actually used: {ort.get('engineProvider')}")
best_ort = max(ort['imagesPerSecond'].values())
for dtype, rate in pt['imagesPerSecond'].items():
    print(f"images/s: ort-node {best_ort:.1f} vs pytorch {dtype} {rate:.1f} -> ratio {best_ort / rate:.2f} (target >= 0.5)")
for b, rate in ort['evaluationsPerSecond'].items():
    base = pt['evaluationsPerSecond'].get(f'fp32-{b}')
    if base:
        print(f"denoiser batch {b}: ort-node {rate:.0f}/s vs pytorch fp32 {base:.0f}/s -> ratio {rate / base:.2f}")
PY
