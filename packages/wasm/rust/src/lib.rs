//! Compute kernels for kcptunb, compiled to `wasm32-unknown-unknown`.
//!
//! Everything here is pure computation over linear memory: the TypeScript loader
//! (`packages/wasm/src/loader.ts`) owns all allocation and passes pointers. No
//! kernel allocates, keeps global state, or can panic on caller data other than
//! through a programming error (out-of-range pointers are the caller's bug).
//!
//! Datagram batches use a fixed stride: datagram `i` starts at `base + i * stride`
//! and its length is `lens[i]` (u32). This keeps one call per batch.
#![no_std]

mod batch;
mod block;
mod cfb;
mod crc32;
mod gf;
mod packet;
mod reed_solomon;
mod salsa20;
mod xor;

mod aes;
mod blowfish;
mod cast5;
mod des;
mod sm4;
mod tea;
mod twofish;
mod xtea;

pub use batch::*;
pub use packet::*;

#[panic_handler]
fn on_panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// 1 when this build uses SIMD128 kernels, 0 for the scalar build.
#[no_mangle]
pub extern "C" fn kernels_simd() -> u32 {
    if cfg!(target_feature = "simd128") {
        1
    } else {
        0
    }
}
