#!/usr/bin/env bash
# Packs what bench/gpu/run.sh needs on the device machine (no network there, 64 MiB carry per call,
# the working tree included) for its two calls:
#   .carry/gpu-tools   the node binary, the compiled app with only the linux-x64 onnxruntime-node and
#                      the packages the engine loads, the onnx2torch wheel (PyTorch side)  -> `setup`
#   .carry/gpu-bundle  the bundle, uncompressed (fp16 weights: xz saves almost nothing)   -> `bench`
#   .gl/               the Vulkan/EGL loader debs (fetched once, per the device README)    -> `setup`
# Usage, from the repository root: bash bench/gpu/prepare.sh [BUNDLE_DIR]
set -euo pipefail
BUNDLE=${1:-tests/fixtures/tiny-bundle}
T=.carry/gpu-tools
rm -rf $T .carry/gpu-bundle /tmp/gpu-pack && mkdir -p $T /tmp/gpu-pack/bin /tmp/gpu-pack/app/node_modules .carry/gpu-bundle
npx tsc -p tsconfig.build.json || true  # other folders' type errors do not stop tsc from emitting
test -f dist/bench/gpu/ort.js
cp "$(readlink -f "$(command -v node)")" /tmp/gpu-pack/bin/node
tar -cJf $T/node.tar.xz -C /tmp/gpu-pack bin
cp -r dist schemas /tmp/gpu-pack/app/
for pkg in onnxruntime-common ajv ajv-formats fast-deep-equal fast-uri json-schema-traverse require-from-string; do
  cp -r "node_modules/$pkg" /tmp/gpu-pack/app/node_modules/
done
mkdir -p /tmp/gpu-pack/app/node_modules/onnxruntime-node/bin/napi-v6
cp -r node_modules/onnxruntime-node/{package.json,dist,lib} /tmp/gpu-pack/app/node_modules/onnxruntime-node/ 2>/dev/null || true
cp -r node_modules/onnxruntime-node/bin/napi-v6/linux /tmp/gpu-pack/app/node_modules/onnxruntime-node/bin/napi-v6/
rm -rf /tmp/gpu-pack/app/node_modules/onnxruntime-node/bin/napi-v6/linux/arm64
tar -cJf $T/app.tar.xz -C /tmp/gpu-pack app
mkdir -p $T/wheels && python3 -m pip download -q --no-deps onnx2torch==1.5.15 -d $T/wheels
cp -r "$BUNDLE" .carry/gpu-bundle/bundle

# the Vulkan loader for Dawn (WebGPU), as the device README fetches it
if ! compgen -G ".gl/*.deb" >/dev/null; then
  grep -qx '/.gl/' .git/info/exclude 2>/dev/null || echo /.gl/ >>.git/info/exclude
  mkdir -p .gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update -qq
  (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi

# each call carries the working tree too: both must stay under 64 MiB
# (summing sizes per file: a tracked file moved out, such as the committed bundle, is simply absent)
tree=$( (git ls-files -z | xargs -0 stat -c %s 2>/dev/null || true) | awk '{ s += $1 } END { print s + 0 }')
for carry in "$T .gl" .carry/gpu-bundle; do
  bytes=$(( $(du -cb $carry | tail -1 | cut -f1) + tree ))
  echo "call carrying $carry + working tree: $((bytes / 1048576)) MiB"
  [ $bytes -lt $((64 * 1048576)) ] || { echo "over the 64 MiB carry limit (a bundle under models/? move it out)"; exit 1; }
done
