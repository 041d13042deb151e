#!/usr/bin/env bash
# Packs what bench/gpu/run.sh needs on the device machine (no network there, 64 MiB carry limit)
# into .carry/gpu: the node binary, the compiled app with only the linux-x64 onnxruntime-node and
# the packages the engine loads, the bundle, and the onnx2torch wheel (PyTorch side).
# Usage, from the repository root: bash bench/gpu/prepare.sh [BUNDLE_DIR]
set -euo pipefail
BUNDLE=${1:-tests/fixtures/tiny-bundle}
C=.carry/gpu
rm -rf $C /tmp/gpu-pack && mkdir -p $C /tmp/gpu-pack/bin /tmp/gpu-pack/app/node_modules
npx tsc -p tsconfig.build.json || true  # other folders' type errors do not stop tsc from emitting
test -f dist/bench/gpu/ort.js
cp "$(readlink -f "$(command -v node)")" /tmp/gpu-pack/bin/node
tar -cJf $C/node.tar.xz -C /tmp/gpu-pack bin
cp -r dist schemas /tmp/gpu-pack/app/
cp -r "$BUNDLE" /tmp/gpu-pack/app/bundle
for pkg in onnxruntime-common ajv ajv-formats fast-deep-equal fast-uri json-schema-traverse require-from-string; do
  cp -r "node_modules/$pkg" /tmp/gpu-pack/app/node_modules/
done
mkdir -p /tmp/gpu-pack/app/node_modules/onnxruntime-node/bin/napi-v6
cp -r node_modules/onnxruntime-node/{package.json,dist,lib} /tmp/gpu-pack/app/node_modules/onnxruntime-node/ 2>/dev/null || true
cp -r node_modules/onnxruntime-node/bin/napi-v6/linux /tmp/gpu-pack/app/node_modules/onnxruntime-node/bin/napi-v6/
rm -rf /tmp/gpu-pack/app/node_modules/onnxruntime-node/bin/napi-v6/linux/arm64
tar -cJf $C/app.tar.xz -C /tmp/gpu-pack app
mkdir -p $C/wheels && python3 -m pip download -q --no-deps onnx2torch==1.5.15 -d $C/wheels
du -sh $C
