//! The exported ABI. Every function takes raw pointers into linear memory that
//! the TypeScript loader allocated; see `packages/wasm/src/abi.ts` for the
//! mirror of these signatures.

use crate::{block, cfb, crc32, reed_solomon, salsa20, xor};
use core::slice;

unsafe fn datagram<'a>(base: *mut u8, stride: u32, lens: *const u32, i: u32) -> &'a mut [u8] {
    let len = *lens.add(i as usize) as usize;
    slice::from_raw_parts_mut(base.add(i as usize * stride as usize), len)
}

#[no_mangle]
pub extern "C" fn cipher_ctx_size(kind: u32) -> u32 {
    block::ctx_size(kind) as u32
}

#[no_mangle]
pub extern "C" fn cipher_block_size(kind: u32) -> u32 {
    block::block_size(kind) as u32
}

/// Expand a key into `ctx`. 0 = ok, -1 = unknown kind, -2 = bad key length.
#[no_mangle]
pub unsafe extern "C" fn cipher_init(kind: u32, ctx: *mut u8, key: *const u8, key_len: u32) -> i32 {
    block::init(kind, ctx, slice::from_raw_parts(key, key_len as usize))
}

struct CfbBatch {
    iv: *const u8,
    base: *mut u8,
    stride: u32,
    lens: *const u32,
    count: u32,
    decrypt: bool,
}

impl block::CipherVisitor<()> for CfbBatch {
    fn visit<C: block::BlockEncrypt>(self, cipher: &C) {
        unsafe {
            let iv = slice::from_raw_parts(self.iv, C::BLOCK);
            for i in 0..self.count {
                let d = datagram(self.base, self.stride, self.lens, i);
                if self.decrypt {
                    cfb::decrypt(cipher, iv, d);
                } else {
                    cfb::encrypt(cipher, iv, d);
                }
            }
        }
    }
}

/// CFB-encrypt `count` datagrams in place, each an independent run from `iv`.
/// Returns 0, or -1 for an unknown kind.
#[no_mangle]
pub unsafe extern "C" fn cfb_encrypt_batch(
    kind: u32,
    ctx: *const u8,
    iv: *const u8,
    base: *mut u8,
    stride: u32,
    lens: *const u32,
    count: u32,
) -> i32 {
    let job = CfbBatch { iv, base, stride, lens, count, decrypt: false };
    match block::with_cipher(kind, ctx, job) {
        Some(()) => 0,
        None => -1,
    }
}

/// CFB-decrypt `count` datagrams in place. Returns 0, or -1 for an unknown kind.
#[no_mangle]
pub unsafe extern "C" fn cfb_decrypt_batch(
    kind: u32,
    ctx: *const u8,
    iv: *const u8,
    base: *mut u8,
    stride: u32,
    lens: *const u32,
    count: u32,
) -> i32 {
    let job = CfbBatch { iv, base, stride, lens, count, decrypt: true };
    match block::with_cipher(kind, ctx, job) {
        Some(()) => 0,
        None => -1,
    }
}

/// kcptun's salsa20 layout (docs/protocol.md §1.5): bytes 0..8 of each datagram are the
/// nonce and stay in clear; bytes 8.. are XORed with the keystream from block 0.
/// Datagrams shorter than 8 bytes are left untouched.
#[no_mangle]
pub unsafe extern "C" fn salsa20_xor_batch(key: *const u8, base: *mut u8, stride: u32, lens: *const u32, count: u32) {
    let key = &*(key as *const [u8; 32]);
    for i in 0..count {
        let d = datagram(base, stride, lens, i);
        if d.len() > 8 {
            let (nonce, body) = d.split_at_mut(8);
            let mut n = [0u8; 8];
            n.copy_from_slice(nonce);
            salsa20::xor_keystream(key, &n, body);
        }
    }
}

/// XOR each datagram with a fixed table (docs/protocol.md §1.6); bytes past the table are left as they are.
#[no_mangle]
pub unsafe extern "C" fn xor_table_batch(table: *const u8, table_len: u32, base: *mut u8, stride: u32, lens: *const u32, count: u32) {
    let table = slice::from_raw_parts(table, table_len as usize);
    for i in 0..count {
        xor::apply(table, datagram(base, stride, lens, i));
    }
}

/// CRC-32/IEEE of one buffer.
#[no_mangle]
pub unsafe extern "C" fn crc32_ieee(ptr: *const u8, len: u32) -> u32 {
    crc32::checksum(slice::from_raw_parts(ptr, len as usize))
}

/// CRC-32/IEEE of bytes `skip..len` of each datagram, written to `out[i]`
/// (0 for a datagram not longer than `skip`).
#[no_mangle]
pub unsafe extern "C" fn crc32_batch(base: *mut u8, stride: u32, lens: *const u32, count: u32, skip: u32, out: *mut u32) {
    for i in 0..count {
        let d = datagram(base, stride, lens, i);
        let v = if d.len() > skip as usize { crc32::checksum(&d[skip as usize..]) } else { 0 };
        *out.add(i as usize) = v;
    }
}

/// GF(2^8) matrix times shards: `out[r][0..len] = XOR over c of matrix[r*cols+c] * input[c][0..len]`.
/// `inputs` and `outputs` are arrays of u32 pointers to shard buffers of at least `len` bytes.
/// Used both for parity encoding (matrix = parity rows) and reconstruction (matrix = rows of the
/// inverted sub-matrix). Output buffers must not alias inputs.
#[no_mangle]
pub unsafe extern "C" fn gf_matrix_mul(
    matrix: *const u8,
    rows: u32,
    cols: u32,
    inputs: *const u32,
    outputs: *const u32,
    len: u32,
) {
    reed_solomon::matrix_mul(
        slice::from_raw_parts(matrix, (rows * cols) as usize),
        rows as usize,
        cols as usize,
        slice::from_raw_parts(inputs, cols as usize),
        slice::from_raw_parts(outputs, rows as usize),
        len as usize,
    );
}
