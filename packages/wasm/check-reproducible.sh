#!/usr/bin/env bash
# Rebuild the kernels from source and fail if they differ from the committed binaries.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$here"/bin/*.wasm "$tmp"/
bash "$here/build.sh"
status=0
for f in kernels.wasm kernels-simd.wasm; do
  if cmp -s "$tmp/$f" "$here/bin/$f"; then
    echo "check-wasm: bin/$f matches a fresh build"
  else
    echo "check-wasm: bin/$f differs from a fresh build of rust/ (run npm run build:wasm and commit)" >&2
    status=1
  fi
done
exit $status
