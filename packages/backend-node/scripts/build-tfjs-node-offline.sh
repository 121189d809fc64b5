#!/usr/bin/env bash
# Builds the native addon of @tensorflow/tfjs-node without reaching Google's storage.
#
# tfjs-node's install script downloads libtensorflow 2.9.1 from storage.googleapis.com,
# which is unreachable here (and pnpm skips that script anyway). The `tensorflow-cpu`
# wheel from pip's configured index carries the same C API (libtensorflow_cc.so.2 +
# libtensorflow_framework.so.2 and the tensorflow/c headers), so this script:
#   1. downloads the wheel once into a cache directory (pip, no dependencies),
#   2. extracts the two shared libraries and the C API headers from it,
#   3. lays them out as tfjs-node's deps/ folder expects (libtensorflow.so, and a
#      libtensorflow.so.2.9.1 marker so its install script skips the download),
#   4. builds the addon with `npm rebuild --build-from-source` (node-gyp, local headers),
#   5. checks that the 'tensorflow' backend loads and runs an op.
# Idempotent: it exits early when the addon already loads (pass --force to rebuild).
#
# Environment: TF_VERSION (default 2.21.0), CONVLSTM_CACHE_DIR (default ~/.cache/convlstm),
# PYTHON (default python3).
set -euo pipefail

TF_VERSION="${TF_VERSION:-2.21.0}"
CACHE_DIR="${CONVLSTM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/convlstm}"
PYTHON="${PYTHON:-python3}"
FORCE=0
if [[ "${1:-}" == "--force" ]]; then FORCE=1; fi

log() { printf '[build-tfjs-node-offline] %s\n' "$*"; }
fail() {
  printf '[build-tfjs-node-offline] ERROR: %s\n' "$*" >&2
  exit 1
}

PKG_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v node >/dev/null || fail "node is not on PATH"
command -v npm >/dev/null || fail "npm is not on PATH (it drives node-gyp with the local Node headers)"

TFJS_NODE_DIR="$(cd "$PKG_DIR" && node -p "require('node:path').dirname(require.resolve('@tensorflow/tfjs-node/package.json'))" 2>/dev/null)" ||
  fail "@tensorflow/tfjs-node is not installed next to $PKG_DIR; run 'pnpm install' first"
TFJS_NODE_DIR="$(cd "$TFJS_NODE_DIR" && pwd -P)"
# npm rebuild runs from the node_modules folder that holds @tensorflow/tfjs-node.
INSTALL_ROOT="$(cd "$TFJS_NODE_DIR/../../.." && pwd -P)"
log "tfjs-node: $TFJS_NODE_DIR"

addon_loads() {
  (cd "$PKG_DIR" && node -e "
    const tf = require('@tensorflow/tfjs-node');
    if (tf.getBackend() !== 'tensorflow') throw new Error('backend is ' + tf.getBackend());
    const y = tf.conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 1]), 1, 'same').dataSync();
    if (y[5] !== 18) throw new Error('conv2d gave ' + y[5] + ', expected 18');
    console.log('[build-tfjs-node-offline] addon loads; TensorFlow ' + tf.version.tfjs + ' backend ' + tf.getBackend());
  ") 2>&1
}

if [[ $FORCE -eq 0 ]] && addon_loads >/dev/null 2>&1; then
  addon_loads | grep build-tfjs-node-offline || true
  log "already built; nothing to do (pass --force to rebuild)"
  exit 0
fi

# 1. The wheel, cached.
WHEEL_DIR="$CACHE_DIR/wheels"
mkdir -p "$WHEEL_DIR"
WHEEL="$(find "$WHEEL_DIR" -maxdepth 1 -name "tensorflow_cpu-${TF_VERSION}-*.whl" | head -n 1)"
if [[ -z "$WHEEL" ]]; then
  log "downloading tensorflow-cpu==$TF_VERSION (about 270 MB) into $WHEEL_DIR"
  "$PYTHON" -m pip download "tensorflow-cpu==${TF_VERSION}" --no-deps --only-binary=:all: -d "$WHEEL_DIR" ||
    fail "pip could not download tensorflow-cpu==$TF_VERSION (is pip's index reachable?)"
  WHEEL="$(find "$WHEEL_DIR" -maxdepth 1 -name "tensorflow_cpu-${TF_VERSION}-*.whl" | head -n 1)"
  [[ -n "$WHEEL" ]] || fail "pip reported success but no tensorflow_cpu-${TF_VERSION} wheel is in $WHEEL_DIR"
else
  log "using cached wheel $WHEEL"
fi

# 2. Extract what the addon needs, once per wheel.
STAGE="$CACHE_DIR/libtensorflow-${TF_VERSION}"
if [[ ! -f "$STAGE/.complete" ]]; then
  log "extracting libraries and C API headers into $STAGE"
  rm -rf "$STAGE"
  mkdir -p "$STAGE.tmp"
  "$PYTHON" - "$WHEEL" "$STAGE.tmp" <<'PY'
import os, re, shutil, sys, zipfile

wheel, out = sys.argv[1], sys.argv[2]
wanted = re.compile(
    r"^tensorflow/(libtensorflow_cc\.so\.2|libtensorflow_framework\.so\.2)$"
    r"|^tensorflow/include/(tensorflow/c/.+\.h"
    r"|tensorflow/core/platform/ctstring[^/]*\.h"
    r"|tsl/platform/ctstring[^/]*\.h"
    r"|xla/tsl/c/[^/]+\.h)$"
)
count = 0
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if not wanted.match(name):
            continue
        rel = name[len("tensorflow/"):]
        dest = os.path.join(out, "lib" if rel.startswith("lib") else "", rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(name) as src, open(dest, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        count += 1
if count < 10:
    sys.exit(f"only {count} wanted files found in {wheel}; is it a tensorflow-cpu wheel?")
print(f"[build-tfjs-node-offline] extracted {count} files")
PY
  [[ -f "$STAGE.tmp/lib/libtensorflow_cc.so.2" && -f "$STAGE.tmp/include/tensorflow/c/c_api.h" ]] ||
    fail "the wheel lacks libtensorflow_cc.so.2 or tensorflow/c/c_api.h"
  [[ -f "$STAGE.tmp/include/tensorflow/c/eager/c_api.h" ]] || fail "the wheel lacks tensorflow/c/eager/c_api.h"
  touch "$STAGE.tmp/.complete"
  mv "$STAGE.tmp" "$STAGE"
else
  log "using extracted files in $STAGE"
fi

# 3. deps/ as tfjs-node's binding.gyp and install script expect it.
DEPS="$TFJS_NODE_DIR/deps"
log "laying out $DEPS"
rm -rf "$DEPS"
mkdir -p "$DEPS/lib" "$DEPS/include"
for lib in libtensorflow_cc.so.2 libtensorflow_framework.so.2; do
  # A hard link costs no space; fall back to a copy across filesystems.
  ln "$STAGE/lib/$lib" "$DEPS/lib/$lib" 2>/dev/null || cp "$STAGE/lib/$lib" "$DEPS/lib/$lib"
done
ln -s libtensorflow_cc.so.2 "$DEPS/lib/libtensorflow.so"
ln -s libtensorflow_cc.so.2 "$DEPS/lib/libtensorflow.so.2"
ln -s libtensorflow_cc.so.2 "$DEPS/lib/libtensorflow.so.2.9.1"
ln -s libtensorflow_framework.so.2 "$DEPS/lib/libtensorflow_framework.so"
ln -s libtensorflow_framework.so.2 "$DEPS/lib/libtensorflow_framework.so.2.9.1"
cp -R "$STAGE/include/." "$DEPS/include/"

# 4. Build the addon (npm supplies node-gyp and the local Node headers).
log "building the addon in $INSTALL_ROOT (npm rebuild --build-from-source)"
(cd "$INSTALL_ROOT" && npm_config_build_from_source=true npm rebuild @tensorflow/tfjs-node --foreground-scripts) ||
  fail "the addon did not build; see node-gyp's output above"

# 5. Check.
if ! out="$(addon_loads)"; then
  printf '%s\n' "$out" >&2
  fail "the addon built but does not load"
fi
printf '%s\n' "$out" | grep build-tfjs-node-offline || true
log "done"
