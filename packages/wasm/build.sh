#!/usr/bin/env bash
# Rebuild the committed WebAssembly kernels from rust/ with Debian's rustc 1.63
# (apt: rustc cargo libstd-rust-dev-wasm32). Two builds with the same exports:
# bin/kernels.wasm (scalar) and bin/kernels-simd.wasm (+simd128).
# The output is reproducible: paths are remapped so the checkout location does not leak in.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/rust"
export RUSTC="${RUSTC:-/usr/bin/rustc}"
CARGO="${CARGO:-/usr/bin/cargo}"
[ -x "$RUSTC" ] || { echo "build-wasm: $RUSTC not found (apt-get install rustc cargo libstd-rust-dev-wasm32)" >&2; exit 1; }
remap="--remap-path-prefix=$here/rust=kernels --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=cargo"
mkdir -p "$here/bin"
RUSTFLAGS="$remap" "$CARGO" build --quiet --release --target wasm32-unknown-unknown --target-dir target/scalar
cp target/scalar/wasm32-unknown-unknown/release/kcptunb_kernels.wasm "$here/bin/kernels.wasm"
RUSTFLAGS="$remap -C target-feature=+simd128" "$CARGO" build --quiet --release --target wasm32-unknown-unknown --target-dir target/simd
cp target/simd/wasm32-unknown-unknown/release/kcptunb_kernels.wasm "$here/bin/kernels-simd.wasm"
ls -l "$here/bin"/*.wasm | awk '{print "build-wasm: " $9 " " $5 " bytes"}'
