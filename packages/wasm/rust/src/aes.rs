//! AES-128/192/256 (FIPS-197), forward direction only (CFB never decrypts
//! blocks). The key length picks the variant: 16, 24 or 32 bytes; kcptun uses
//! `pass[0:16]` (aes-128), `pass[0:24]` (aes-192) and `pass[0:32]` (aes).
//!
//! Implementation: the classic 32-bit "T-table" formulation. Each round is 16
//! table lookups + XORs on four big-endian column words. The S-box and the four
//! 1 KiB tables are computed at compile time by `const fn`s from the field
//! arithmetic (no literal tables to get wrong), so they live in the module's
//! read-only data segment. In wasm a lookup is `shr/and/add/i32.load`.
//! Measured alternatives (wasm32, V8 in Node 20, CFB over 1350-byte datagrams):
//! one table plus rotations was ~7% slower; fully unrolled rounds were ~7%
//! slower on encryption (2% faster on decryption); four datagrams advanced in lockstep
//! (4-way interleaved rounds) gained nothing — the T-table core is bound by
//! instruction throughput, not latency. (The byte-wise XOR loop in `cfb.rs`
//! adds ~20% on top of the cipher core; XORing whole words there removes it.)
//!
//! Not constant-time: table lookups are indexed by secret data, as in every
//! T-table AES (cache-timing side channel). node:crypto (AES-NI) is the
//! constant-time alternative where that matters.

use crate::block::BlockEncrypt;

/// Multiply by x (i.e. 2) in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.
const fn xtime(x: u8) -> u8 {
    (x << 1) ^ if x & 0x80 != 0 { 0x1b } else { 0 }
}

/// The AES S-box: multiplicative inverse in GF(2^8) followed by the affine map.
/// Walks the field with generator 3 (p) and its inverse (q = p^-1) together.
const fn make_sbox() -> [u8; 256] {
    let mut sbox = [0u8; 256];
    let mut p: u8 = 1;
    let mut q: u8 = 1;
    loop {
        // p *= 3
        p ^= xtime(p);
        // q /= 3 (multiply by 0xf6, the inverse of 3)
        q ^= q << 1;
        q ^= q << 2;
        q ^= q << 4;
        if q & 0x80 != 0 {
            q ^= 0x09;
        }
        let aff = q ^ q.rotate_left(1) ^ q.rotate_left(2) ^ q.rotate_left(3) ^ q.rotate_left(4);
        sbox[p as usize] = aff ^ 0x63;
        if p == 1 {
            break;
        }
    }
    sbox[0] = 0x63; // 0 has no inverse; affine(0)
    sbox
}

/// Te0[x] = (2·S[x], S[x], S[x], 3·S[x]) as a big-endian word: SubBytes and one
/// MixColumns column in one lookup. Te1..Te3 are its byte rotations.
const fn make_te(rot: u32) -> [u32; 256] {
    let s = make_sbox();
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let v = s[i];
        let v2 = xtime(v);
        let v3 = v2 ^ v;
        let w = (v2 as u32) << 24 | (v as u32) << 16 | (v as u32) << 8 | v3 as u32;
        t[i] = w.rotate_right(rot);
        i += 1;
    }
    t
}

static SBOX: [u8; 256] = make_sbox();
static TE0: [u32; 256] = make_te(0);
static TE1: [u32; 256] = make_te(8);
static TE2: [u32; 256] = make_te(16);
static TE3: [u32; 256] = make_te(24);

/// Expanded encryption key: `4 * (rounds + 1)` big-endian round-key words.
pub struct Aes {
    rk: [u32; 60],
    rounds: u32,
}

#[inline(always)]
fn sub_word(w: u32) -> u32 {
    (SBOX[(w >> 24) as usize] as u32) << 24
        | (SBOX[(w >> 16 & 0xff) as usize] as u32) << 16
        | (SBOX[(w >> 8 & 0xff) as usize] as u32) << 8
        | SBOX[(w & 0xff) as usize] as u32
}

impl Aes {
    /// `key` must be 16, 24 or 32 bytes (AES-128/192/256).
    pub fn new(key: &[u8]) -> Option<Self> {
        let nk = match key.len() {
            16 => 4,
            24 => 6,
            32 => 8,
            _ => return None,
        };
        let rounds = nk + 6;
        let total = 4 * (rounds + 1);
        let mut rk = [0u32; 60];
        for i in 0..nk {
            rk[i] = u32::from_be_bytes([key[4 * i], key[4 * i + 1], key[4 * i + 2], key[4 * i + 3]]);
        }
        let mut rcon: u8 = 1;
        for i in nk..total {
            let mut t = rk[i - 1];
            if i % nk == 0 {
                t = sub_word(t.rotate_left(8)) ^ (rcon as u32) << 24;
                rcon = xtime(rcon);
            } else if nk > 6 && i % nk == 4 {
                t = sub_word(t);
            }
            rk[i] = rk[i - nk] ^ t;
        }
        Some(Aes { rk, rounds: rounds as u32 })
    }
}

#[inline(always)]
fn round(a: u32, b: u32, c: u32, d: u32, k: u32) -> u32 {
    TE0[(a >> 24) as usize] ^ TE1[(b >> 16 & 0xff) as usize] ^ TE2[(c >> 8 & 0xff) as usize] ^ TE3[(d & 0xff) as usize] ^ k
}

#[inline(always)]
fn last(a: u32, b: u32, c: u32, d: u32, k: u32) -> u32 {
    ((SBOX[(a >> 24) as usize] as u32) << 24
        | (SBOX[(b >> 16 & 0xff) as usize] as u32) << 16
        | (SBOX[(c >> 8 & 0xff) as usize] as u32) << 8
        | SBOX[(d & 0xff) as usize] as u32)
        ^ k
}

impl BlockEncrypt for Aes {
    const BLOCK: usize = 16;

    #[inline(always)]
    fn encrypt_block(&self, block: &mut [u8]) {
        let b: &mut [u8; 16] = block.try_into().unwrap();
        let rk = &self.rk;
        let mut s0 = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) ^ rk[0];
        let mut s1 = u32::from_be_bytes([b[4], b[5], b[6], b[7]]) ^ rk[1];
        let mut s2 = u32::from_be_bytes([b[8], b[9], b[10], b[11]]) ^ rk[2];
        let mut s3 = u32::from_be_bytes([b[12], b[13], b[14], b[15]]) ^ rk[3];
        // rounds is 10, 12 or 14: rounds - 1 full rounds, then the final one.
        let n = self.rounds as usize;
        for k in rk[4..4 * n].chunks_exact(4) {
            let t0 = round(s0, s1, s2, s3, k[0]);
            let t1 = round(s1, s2, s3, s0, k[1]);
            let t2 = round(s2, s3, s0, s1, k[2]);
            let t3 = round(s3, s0, s1, s2, k[3]);
            s0 = t0;
            s1 = t1;
            s2 = t2;
            s3 = t3;
        }
        let k: &[u32; 4] = rk[4 * n..4 * n + 4].try_into().unwrap();
        let o0 = last(s0, s1, s2, s3, k[0]);
        let o1 = last(s1, s2, s3, s0, k[1]);
        let o2 = last(s2, s3, s0, s1, k[2]);
        let o3 = last(s3, s0, s1, s2, k[3]);
        b[0..4].copy_from_slice(&o0.to_be_bytes());
        b[4..8].copy_from_slice(&o1.to_be_bytes());
        b[8..12].copy_from_slice(&o2.to_be_bytes());
        b[12..16].copy_from_slice(&o3.to_be_bytes());
    }
}
