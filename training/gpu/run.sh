#!/usr/bin/env bash
# The whole factory on the GPU machine: train VAE -> DiT -> embedder -> export -> evaluate -> $OUT.
#
# The same command for every device call (from the repository root, with the pack carried):
#   run(command="bash training/gpu/run.sh", carry=["training/.cache"], timeout_s=600)
# The first call starts the pipeline as a detached process (it survives the call's end while the
# machine stays warm) and waits up to WAIT_S seconds; exit 3 means "still running: call again at
# once" (a machine goes back 30 s after a call). When it finishes, the bundle comes back as a tar
# split into 15 MiB parts ($OUT holds at most 8 files of 16 MiB): join it here with
#   python3 training/gpu/join.py /work/.device/<files_at> models/
#
# Progress survives a lost machine: a call that ends before the bundle also returns resume.tar.*
# (finished stages, the running stage's last checkpoint; factory/resume.py). Keep the latest in
# training/runs/resume/ (replacing what is there). On a fresh machine first call
#   run(command="bash training/gpu/run.sh --unpack", carry=["training/runs/resume"], timeout_s=120)
# then the usual command: finished stages are skipped and the running one resumes.
#
# A pipeline that stops is started again by itself (ATTEMPTS=3); after a fix to the code, --retry
# allows ATTEMPTS more starts on the same machine, from the stages it has finished.
#
# --tiny runs the same path with the tiny configuration on CPU (OUT defaults to training/runs/gpu-tiny/out),
# which is how this script was proven without a GPU; --smoke runs the real configuration's shapes
# with a few steps per stage on a few images (factory.run --smoke), in minutes on a CPU. RUN (the
# run folder) may be set.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

CONFIG=real NAME=real flags=() UNPACK= RETRY=
for arg in "$@"; do
  case "$arg" in
    --tiny) CONFIG=tiny NAME=tiny flags=(--threads 1) ;;
    --smoke) NAME=real-smoke flags=(--smoke --threads 1) ;;
    --unpack) UNPACK=1 ;;
    --retry) RETRY=1 ;;
    *) echo "unknown argument $arg"; exit 2 ;;
  esac
done
RUN=${RUN:-training/runs/gpu-$NAME}
RESUME=training/runs/resume
OUT=${OUT:-$RUN/out}
WAIT_S=${WAIT_S:-540}
POLL_S=${POLL_S:-5}
ATTEMPTS=${ATTEMPTS:-3}
mkdir -p "$RUN" "$OUT"
export PYTHONUNBUFFERED=1 PYTHONPATH=training

# a fresh machine after a lost one: the progress it returned, carried alone (it does not fit beside
# the pack), goes into the run folder; the usual call follows at once and continues from it
if [ -n "$UNPACK" ]; then
  python3 -m factory.resume unpack "$RESUME" "$RUN" || exit 2
  echo "UNPACKED: now call 'bash training/gpu/run.sh' with carry=[\"training/.cache\"] on this machine"
  exit 0
fi

# the GPU image has torch, onnx, onnxruntime, numpy and pillow, but not jsonschema: carried wheels
if ! python3 -c "import jsonschema" 2>/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site training/.cache/whl/*.whl || exit 2
  export PYTHONPATH=/tmp/site:training
fi
[ -f training/.cache/busbra-256.tar ] || { echo "training/.cache/busbra-256.tar is missing: run 'python3 -m factory.pack' here and carry training/.cache"; exit 2; }

# Starts the pipeline detached. A stopped one (crash, lost process) is started again: finished
# stages are skipped, the running one resumes from its checkpoint, a half-written bundle is
# rebuilt; after ATTEMPTS starts it is reported FAILED.
start() {
  attempt=$(( $(cat "$RUN/attempts" 2>/dev/null || echo 0) + 1 ))
  echo "$attempt" >"$RUN/attempts"
  echo "=== attempt $attempt at $(date -u +%H:%M:%S)" >>"$RUN/log.txt"
  setsid nohup python3 -m factory.run --config "$CONFIG" --pack training/.cache/busbra-256.tar \
    --run-dir "$RUN" --bundle "$RUN/bundle" "${flags[@]}" >>"$RUN/log.txt" 2>&1 </dev/null &
  echo $! >"$RUN/pid"
  echo "started pipeline pid $(cat "$RUN/pid") (attempt $attempt) at $(date -u +%H:%M:%S)"
}
running() { grep -qs factory.run "/proc/$(cat "$RUN/pid" 2>/dev/null)/cmdline"; }
complete() { grep -qs '^STATUS complete' "$RUN/log.txt"; }

# after a fix to the code (the working tree travels with every call): ATTEMPTS more starts, from the
# stages the machine has already finished
[ -n "$RETRY" ] && ! running && rm -f "$RUN/attempts"
if [ ! -f "$RUN/attempts" ]; then
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
fi
end=$((SECONDS + WAIT_S))
while ! complete && [ $SECONDS -lt $end ]; do
  if ! running; then
    [ "$(cat "$RUN/attempts" 2>/dev/null || echo 0)" -ge "$ATTEMPTS" ] && break
    start
  fi
  sleep "$POLL_S"
done
grep -v -E 'Warning|warnings.warn|^\s*$' "$RUN/log.txt" | tail -n 40
echo "--- stage times so far (s):"
grep -E '^(=== attempt|\[[0-9:]+\] STAGE )' "$RUN/log.txt"
cp "$RUN/log.txt" "$OUT/log.txt"

if grep -q '^STATUS complete' "$RUN/log.txt"; then
  tar -C "$RUN" -cf "$RUN/bundle.tar" bundle
  (cd "$RUN" && sha256sum bundle.tar) >"$OUT/bundle.tar.sha256"
  split -b 15M -d "$RUN/bundle.tar" "$OUT/bundle.tar.part"
  ls -l "$OUT"
  echo "DONE: join with python3 training/gpu/join.py <files_at> models/"
  exit 0
fi
# not complete: return the progress so far, for a next machine if this one is lost
if compgen -G "$RUN/*.pt" >/dev/null || compgen -G "$RUN/*.ckpt" >/dev/null; then
  python3 -m factory.resume pack "$RUN" "$OUT" 2>&1 | grep -v -i warn
fi
if running; then
  echo "RUNNING: call the same command again now (keep the returned resume.tar.* in $RESUME: if this machine is lost, a fresh one continues from them)"
  exit 3
else
  echo "FAILED: the pipeline stopped without a bundle $ATTEMPTS times (log above); after a fix, call with --retry: finished stages are kept"
  exit 1
fi
