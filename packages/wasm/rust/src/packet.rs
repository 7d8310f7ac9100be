//! Batch kernels for the 20-byte nonce + CRC-32 prefix (docs/protocol.md §1.3, §1.8) and the
//! helpers that let node:crypto's bulk ECB do CFB decryption of many datagrams
//! in one call (P_i = C_i ^ E(C_{i-1}) is parallel across blocks).

use crate::crc32;
use core::slice;

pub const NONCE: usize = 16;
pub const PREFIX: usize = 20;

unsafe fn slot<'a>(base: *mut u8, stride: u32, lens: *const u32, i: u32) -> &'a mut [u8] {
    let len = *lens.add(i as usize) as usize;
    slice::from_raw_parts_mut(base.add(i as usize * stride as usize), len)
}

/// For every datagram of at least 20 bytes: copy nonce `i` (16 bytes at
/// `nonces + 16 i`) to bytes 0..16 and store CRC-32 of bytes 20.. little-endian at 16..20.
#[no_mangle]
pub unsafe extern "C" fn prefix_seal_batch(base: *mut u8, stride: u32, lens: *const u32, count: u32, nonces: *const u8) {
    for i in 0..count {
        let d = slot(base, stride, lens, i);
        if d.len() < PREFIX {
            continue;
        }
        d[..NONCE].copy_from_slice(slice::from_raw_parts(nonces.add(i as usize * NONCE), NONCE));
        let c = crc32::checksum(&d[PREFIX..]);
        d[NONCE..PREFIX].copy_from_slice(&c.to_le_bytes());
    }
}

/// `ok[i] = 1` when datagram `i` has at least 20 bytes and its stored CRC-32
/// matches bytes 20.., else 0. Returns the number of datagrams that passed.
#[no_mangle]
pub unsafe extern "C" fn prefix_check_batch(base: *mut u8, stride: u32, lens: *const u32, count: u32, ok: *mut u8) -> u32 {
    let mut passed = 0;
    for i in 0..count {
        let d = slot(base, stride, lens, i);
        let good = d.len() >= PREFIX && {
            let stored = u32::from_le_bytes([d[16], d[17], d[18], d[19]]);
            stored == crc32::checksum(&d[PREFIX..])
        };
        *ok.add(i as usize) = good as u8;
        passed += good as u32;
    }
    passed
}

/// Number of cipher blocks (of `block` bytes) the batch's datagrams span, each
/// datagram rounded up to whole blocks: the size of the `cfb_shifted_blocks` output.
#[no_mangle]
pub unsafe extern "C" fn cfb_block_count(lens: *const u32, count: u32, block: u32) -> u32 {
    let mut n = 0;
    for i in 0..count as usize {
        n += (*lens.add(i) + block - 1) / block;
    }
    n
}

/// Write, for each datagram in turn, the CFB decryption feedback sequence
/// `IV, C_0, C_1, …, C_{k-2}` (k = its block count; a partial last ciphertext
/// block is never needed as feedback). Encrypting this buffer with ECB yields the
/// keystream that `xor_blocks_batch` applies.
#[no_mangle]
pub unsafe extern "C" fn cfb_shifted_blocks(base: *mut u8, stride: u32, lens: *const u32, count: u32, iv: *const u8, block: u32, out: *mut u8) {
    let b = block as usize;
    let iv = slice::from_raw_parts(iv, b);
    let mut o = out;
    for i in 0..count {
        let d = slot(base, stride, lens, i);
        let k = (d.len() + b - 1) / b;
        if k == 0 {
            continue;
        }
        core::ptr::copy_nonoverlapping(iv.as_ptr(), o, b);
        core::ptr::copy_nonoverlapping(d.as_ptr(), o.add(b), (k - 1) * b);
        o = o.add(k * b);
    }
}

/// XOR each datagram with its share of a keystream laid out as by
/// `cfb_shifted_blocks` (each datagram's part rounded up to whole blocks).
#[no_mangle]
pub unsafe extern "C" fn xor_blocks_batch(base: *mut u8, stride: u32, lens: *const u32, count: u32, keystream: *const u8, block: u32) {
    let b = block as usize;
    let mut ks = keystream;
    for i in 0..count {
        let d = slot(base, stride, lens, i);
        let k = (d.len() + b - 1) / b;
        let s = slice::from_raw_parts(ks, d.len());
        for (x, y) in d.iter_mut().zip(s) {
            *x ^= *y;
        }
        ks = ks.add(k * b);
    }
}

/// One step of column-wise CFB encryption across a batch: `keystream` holds
/// E(register) for every datagram (block `block` bytes each, datagram order);
/// XOR it into block number `column` of each datagram that reaches that far,
/// and write the resulting ciphertext block back as that datagram's next
/// register in `registers`. Returns how many datagrams extend past this column.
#[no_mangle]
pub unsafe extern "C" fn cfb_encrypt_column(base: *mut u8, stride: u32, lens: *const u32, count: u32, keystream: *const u8, registers: *mut u8, block: u32, column: u32) -> u32 {
    let b = block as usize;
    let start = column as usize * b;
    let mut remaining = 0;
    for i in 0..count as usize {
        let d = slot(base, stride, lens, i as u32);
        if d.len() <= start {
            continue;
        }
        let n = core::cmp::min(b, d.len() - start);
        let ks = slice::from_raw_parts(keystream.add(i * b), n);
        let reg = slice::from_raw_parts_mut(registers.add(i * b), b);
        for j in 0..n {
            d[start + j] ^= ks[j];
            reg[j] = d[start + j];
        }
        if d.len() > start + b {
            remaining += 1;
        }
    }
    remaining
}
