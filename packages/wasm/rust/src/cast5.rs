//! CAST-128 / CAST5 (RFC 2144), forward direction only. kcptun uses a 16-byte
//! key (`pass[0:16]`, 16 rounds). Like the RFC, keys of 5..=15 bytes are
//! zero-padded to 16, and keys of at most 80 bits use 12 rounds (Go's
//! x/crypto/cast5 only takes 16-byte keys; for those the two agree).
//! Words are big-endian: L = block bytes 0..4, R = bytes 4..8.
//!
//! The eight S-boxes are committed in `cast5_sboxes.rs`, generated from the
//! TypeScript reference table (see `tools/gen-cast5-sboxes.mjs`).

use crate::block::BlockEncrypt;

include!("cast5_sboxes.rs");

/// Masking subkeys Km1..16 and rotation subkeys Kr1..16 (5 bits each).
pub struct Cast5 {
    km: [u32; 16],
    kr: [u32; 16],
    rounds: u32,
}

/// Byte `i` (0 = most significant byte of word 0) of a 16-byte big-endian quad.
#[inline(always)]
fn by(w: &[u32; 4], i: usize) -> usize {
    (w[i >> 2] >> (24 - 8 * (i & 3)) & 0xff) as usize
}

#[inline(always)]
fn f1(d: u32, km: u32, kr: u32) -> u32 {
    let i = km.wrapping_add(d).rotate_left(kr);
    ((SBOX[0][(i >> 24) as usize] ^ SBOX[1][(i >> 16 & 0xff) as usize]).wrapping_sub(SBOX[2][(i >> 8 & 0xff) as usize]))
        .wrapping_add(SBOX[3][(i & 0xff) as usize])
}

#[inline(always)]
fn f2(d: u32, km: u32, kr: u32) -> u32 {
    let i = (km ^ d).rotate_left(kr);
    (SBOX[0][(i >> 24) as usize].wrapping_sub(SBOX[1][(i >> 16 & 0xff) as usize]).wrapping_add(SBOX[2][(i >> 8 & 0xff) as usize]))
        ^ SBOX[3][(i & 0xff) as usize]
}

#[inline(always)]
fn f3(d: u32, km: u32, kr: u32) -> u32 {
    let i = km.wrapping_sub(d).rotate_left(kr);
    (SBOX[0][(i >> 24) as usize].wrapping_add(SBOX[1][(i >> 16 & 0xff) as usize]) ^ SBOX[2][(i >> 8 & 0xff) as usize])
        .wrapping_sub(SBOX[3][(i & 0xff) as usize])
}

impl Cast5 {
    /// `key` must be 5..=16 bytes (kcptun: 16).
    pub fn new(key: &[u8]) -> Option<Self> {
        if key.len() < 5 || key.len() > 16 {
            return None;
        }
        let mut kb = [0u8; 16];
        kb[..key.len()].copy_from_slice(key);
        let mut x = [0u32; 4];
        for (i, w) in x.iter_mut().enumerate() {
            *w = u32::from_be_bytes([kb[4 * i], kb[4 * i + 1], kb[4 * i + 2], kb[4 * i + 3]]);
        }
        let (s5, s6, s7, s8) = (&SBOX[4], &SBOX[5], &SBOX[6], &SBOX[7]);
        let mut z = [0u32; 4];
        let mut k = [0u32; 32];

        // z <- x and x <- z steps of RFC 2144 section 2.4 (byte indices in hex as there).
        let x_to_z = |x: &[u32; 4], z: &mut [u32; 4]| {
            z[0] = x[0] ^ s5[by(x, 0xD)] ^ s6[by(x, 0xF)] ^ s7[by(x, 0xC)] ^ s8[by(x, 0xE)] ^ s7[by(x, 0x8)];
            z[1] = x[2] ^ s5[by(z, 0x0)] ^ s6[by(z, 0x2)] ^ s7[by(z, 0x1)] ^ s8[by(z, 0x3)] ^ s8[by(x, 0xA)];
            z[2] = x[3] ^ s5[by(z, 0x7)] ^ s6[by(z, 0x6)] ^ s7[by(z, 0x5)] ^ s8[by(z, 0x4)] ^ s5[by(x, 0x9)];
            z[3] = x[1] ^ s5[by(z, 0xA)] ^ s6[by(z, 0x9)] ^ s7[by(z, 0xB)] ^ s8[by(z, 0x8)] ^ s6[by(x, 0xB)];
        };
        let z_to_x = |z: &[u32; 4], x: &mut [u32; 4]| {
            x[0] = z[2] ^ s5[by(z, 0x5)] ^ s6[by(z, 0x7)] ^ s7[by(z, 0x4)] ^ s8[by(z, 0x6)] ^ s7[by(z, 0x0)];
            x[1] = z[0] ^ s5[by(x, 0x0)] ^ s6[by(x, 0x2)] ^ s7[by(x, 0x1)] ^ s8[by(x, 0x3)] ^ s8[by(z, 0x2)];
            x[2] = z[1] ^ s5[by(x, 0x7)] ^ s6[by(x, 0x6)] ^ s7[by(x, 0x5)] ^ s8[by(x, 0x4)] ^ s5[by(z, 0x1)];
            x[3] = z[3] ^ s5[by(x, 0xA)] ^ s6[by(x, 0x9)] ^ s7[by(x, 0xB)] ^ s8[by(x, 0x8)] ^ s6[by(z, 0x3)];
        };
        // One subkey: S5[a] ^ S6[b] ^ S7[c] ^ S8[d] ^ S{5+e_box}[e], all bytes of `w`.
        let sub = |w: &[u32; 4], a: usize, b: usize, c: usize, d: usize, e_box: usize, e: usize| {
            s5[by(w, a)] ^ s6[by(w, b)] ^ s7[by(w, c)] ^ s8[by(w, d)] ^ SBOX[4 + e_box][by(w, e)]
        };

        for half in 0..2 {
            let o = 16 * half;
            x_to_z(&x, &mut z);
            k[o] = sub(&z, 0x8, 0x9, 0x7, 0x6, 0, 0x2);
            k[o + 1] = sub(&z, 0xA, 0xB, 0x5, 0x4, 1, 0x6);
            k[o + 2] = sub(&z, 0xC, 0xD, 0x3, 0x2, 2, 0x9);
            k[o + 3] = sub(&z, 0xE, 0xF, 0x1, 0x0, 3, 0xC);
            z_to_x(&z, &mut x);
            k[o + 4] = sub(&x, 0x3, 0x2, 0xC, 0xD, 0, 0x8);
            k[o + 5] = sub(&x, 0x1, 0x0, 0xE, 0xF, 1, 0xD);
            k[o + 6] = sub(&x, 0x7, 0x6, 0x8, 0x9, 2, 0x3);
            k[o + 7] = sub(&x, 0x5, 0x4, 0xA, 0xB, 3, 0x7);
            x_to_z(&x, &mut z);
            k[o + 8] = sub(&z, 0x3, 0x2, 0xC, 0xD, 0, 0x9);
            k[o + 9] = sub(&z, 0x1, 0x0, 0xE, 0xF, 1, 0xC);
            k[o + 10] = sub(&z, 0x7, 0x6, 0x8, 0x9, 2, 0x2);
            k[o + 11] = sub(&z, 0x5, 0x4, 0xA, 0xB, 3, 0x6);
            z_to_x(&z, &mut x);
            k[o + 12] = sub(&x, 0x8, 0x9, 0x7, 0x6, 0, 0x3);
            k[o + 13] = sub(&x, 0xA, 0xB, 0x5, 0x4, 1, 0x7);
            k[o + 14] = sub(&x, 0xC, 0xD, 0x3, 0x2, 2, 0x8);
            k[o + 15] = sub(&x, 0xE, 0xF, 0x1, 0x0, 3, 0xD);
        }
        let mut km = [0u32; 16];
        let mut kr = [0u32; 16];
        km.copy_from_slice(&k[..16]);
        for i in 0..16 {
            kr[i] = k[16 + i] & 31;
        }
        Some(Cast5 { km, kr, rounds: if key.len() <= 10 { 12 } else { 16 } })
    }
}

impl BlockEncrypt for Cast5 {
    const BLOCK: usize = 8;

    #[inline(always)]
    fn encrypt_block(&self, block: &mut [u8]) {
        let b: &mut [u8; 8] = block.try_into().unwrap();
        let mut l = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        let mut r = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
        let (km, kr) = (&self.km, &self.kr);
        macro_rules! rounds {
            ($($f:ident $i:literal)*) => {$(
                let t = l ^ $f(r, km[$i], kr[$i]);
                l = r;
                r = t;
            )*};
        }
        rounds!(f1 0 f2 1 f3 2 f1 3 f2 4 f3 5 f1 6 f2 7 f3 8 f1 9 f2 10 f3 11);
        if self.rounds > 12 {
            rounds!(f1 12 f2 13 f3 14 f1 15);
        }
        b[0..4].copy_from_slice(&r.to_be_bytes());
        b[4..8].copy_from_slice(&l.to_be_bytes());
    }
}
