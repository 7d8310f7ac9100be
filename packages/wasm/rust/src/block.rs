//! The block-cipher abstraction used by the CFB wrapper, and the cipher registry.
//!
//! Each cipher stores its expanded key in a caller-provided context (`ctx`) of
//! `ctx_size(kind)` bytes, 16-byte aligned. `init` expands a key into it.

use crate::{aes, blowfish, cast5, des, sm4, tea, twofish, xtea};

/// A block cipher used only in the forward (encrypt) direction: CFB never needs
/// the inverse permutation.
pub trait BlockEncrypt {
    /// Block size in bytes: 8 or 16.
    const BLOCK: usize;
    /// Encrypt one block in place.
    fn encrypt_block(&self, block: &mut [u8]);
}

/// Cipher identifiers shared with `packages/wasm/src/abi.ts`.
pub const KIND_AES: u32 = 1;
pub const KIND_BLOWFISH: u32 = 2;
pub const KIND_CAST5: u32 = 3;
pub const KIND_TWOFISH: u32 = 4;
pub const KIND_TEA: u32 = 5;
pub const KIND_XTEA: u32 = 6;
pub const KIND_3DES: u32 = 7;
pub const KIND_SM4: u32 = 8;

/// Size in bytes of the context for `kind`, or 0 for an unknown kind.
pub fn ctx_size(kind: u32) -> usize {
    match kind {
        KIND_AES => core::mem::size_of::<aes::Aes>(),
        KIND_BLOWFISH => core::mem::size_of::<blowfish::Blowfish>(),
        KIND_CAST5 => core::mem::size_of::<cast5::Cast5>(),
        KIND_TWOFISH => core::mem::size_of::<twofish::Twofish>(),
        KIND_TEA => core::mem::size_of::<tea::Tea>(),
        KIND_XTEA => core::mem::size_of::<xtea::Xtea>(),
        KIND_3DES => core::mem::size_of::<des::TripleDes>(),
        KIND_SM4 => core::mem::size_of::<sm4::Sm4>(),
        _ => 0,
    }
}

/// Block size for `kind`, or 0 for an unknown kind.
pub fn block_size(kind: u32) -> usize {
    match kind {
        KIND_AES => aes::Aes::BLOCK,
        KIND_BLOWFISH => blowfish::Blowfish::BLOCK,
        KIND_CAST5 => cast5::Cast5::BLOCK,
        KIND_TWOFISH => twofish::Twofish::BLOCK,
        KIND_TEA => tea::Tea::BLOCK,
        KIND_XTEA => xtea::Xtea::BLOCK,
        KIND_3DES => des::TripleDes::BLOCK,
        KIND_SM4 => sm4::Sm4::BLOCK,
        _ => 0,
    }
}

/// Expand `key` into the context at `ctx`. Returns 0 on success, -1 for an
/// unknown kind, -2 for a key length the cipher does not accept.
///
/// # Safety
/// `ctx` must point to `ctx_size(kind)` writable, 16-byte aligned bytes.
pub unsafe fn init(kind: u32, ctx: *mut u8, key: &[u8]) -> i32 {
    macro_rules! put {
        ($t:ty) => {
            match <$t>::new(key) {
                Some(c) => {
                    core::ptr::write(ctx as *mut $t, c);
                    0
                }
                None => -2,
            }
        };
    }
    match kind {
        KIND_AES => put!(aes::Aes),
        KIND_BLOWFISH => put!(blowfish::Blowfish),
        KIND_CAST5 => put!(cast5::Cast5),
        KIND_TWOFISH => put!(twofish::Twofish),
        KIND_TEA => put!(tea::Tea),
        KIND_XTEA => put!(xtea::Xtea),
        KIND_3DES => put!(des::TripleDes),
        KIND_SM4 => put!(sm4::Sm4),
        _ => -1,
    }
}

/// Run `f` with the typed cipher stored at `ctx`.
///
/// # Safety
/// `ctx` must hold a context initialised by `init` with the same `kind`.
pub unsafe fn with_cipher<R>(kind: u32, ctx: *const u8, f: impl CipherVisitor<R>) -> Option<R> {
    Some(match kind {
        KIND_AES => f.visit(&*(ctx as *const aes::Aes)),
        KIND_BLOWFISH => f.visit(&*(ctx as *const blowfish::Blowfish)),
        KIND_CAST5 => f.visit(&*(ctx as *const cast5::Cast5)),
        KIND_TWOFISH => f.visit(&*(ctx as *const twofish::Twofish)),
        KIND_TEA => f.visit(&*(ctx as *const tea::Tea)),
        KIND_XTEA => f.visit(&*(ctx as *const xtea::Xtea)),
        KIND_3DES => f.visit(&*(ctx as *const des::TripleDes)),
        KIND_SM4 => f.visit(&*(ctx as *const sm4::Sm4)),
        _ => return None,
    })
}

/// Monomorphising callback: lets the CFB loops be compiled once per cipher.
pub trait CipherVisitor<R> {
    fn visit<C: BlockEncrypt>(self, cipher: &C) -> R;
}
