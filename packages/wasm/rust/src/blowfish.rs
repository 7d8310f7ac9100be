//! Blowfish (Schneier 1993), forward direction only. Variable key of 1..=56
//! bytes like Go's x/crypto/blowfish; kcptun uses 32 bytes (`pass[0:32]`).
//! Words are big-endian: L = block bytes 0..4, R = bytes 4..8.
//!
//! The initial P-array and S-boxes are the hex digits of pi, committed as
//! generated Rust consts in `blowfish_pi.rs` (`tools/gen-blowfish-pi.mjs`
//! computes pi exactly with BigInt; it checks the first and last P words).
//! The TypeScript reference derives the same digits itself at load time,
//! so the two copies are independent and the differential tests compare them.

use crate::block::BlockEncrypt;

include!("blowfish_pi.rs");

/// Key-dependent P-array and S-boxes (4168 bytes).
pub struct Blowfish {
    p: [u32; 18],
    s: [[u32; 256]; 4],
}

impl Blowfish {
    /// F(x) = ((S0[a] + S1[b]) ^ S2[c]) + S3[d], a..d the bytes of x from the top.
    #[inline(always)]
    fn f(&self, x: u32) -> u32 {
        let s = &self.s;
        (s[0][(x >> 24) as usize].wrapping_add(s[1][(x >> 16 & 0xff) as usize]) ^ s[2][(x >> 8 & 0xff) as usize])
            .wrapping_add(s[3][(x & 0xff) as usize])
    }

    /// The 16-round Feistel network on (l, r); returns the output (l, r).
    #[inline(always)]
    fn encrypt_words(&self, mut l: u32, mut r: u32) -> (u32, u32) {
        let p = &self.p;
        let mut i = 0;
        while i < 16 {
            l ^= p[i];
            r ^= self.f(l) ^ p[i + 1];
            l ^= self.f(r);
            i += 2;
        }
        (r ^ p[17], l ^ p[16])
    }

    /// `key` must be 1..=56 bytes.
    pub fn new(key: &[u8]) -> Option<Self> {
        if key.is_empty() || key.len() > 56 {
            return None;
        }
        let mut c = Blowfish { p: PI_P, s: PI_S };
        // XOR the key, cycled as a big-endian byte stream, into the P-array.
        let mut j = 0;
        for w in c.p.iter_mut() {
            let mut k = 0u32;
            for _ in 0..4 {
                k = k << 8 | key[j] as u32;
                j = if j + 1 == key.len() { 0 } else { j + 1 };
            }
            *w ^= k;
        }
        // Replace P and then S entries pairwise with the chained encryption of zero.
        let (mut l, mut r) = (0u32, 0u32);
        for i in (0..18).step_by(2) {
            let (a, b) = c.encrypt_words(l, r);
            l = a;
            r = b;
            c.p[i] = l;
            c.p[i + 1] = r;
        }
        for b in 0..4 {
            for i in (0..256).step_by(2) {
                let (x, y) = c.encrypt_words(l, r);
                l = x;
                r = y;
                c.s[b][i] = l;
                c.s[b][i + 1] = r;
            }
        }
        Some(c)
    }
}

impl BlockEncrypt for Blowfish {
    const BLOCK: usize = 8;

    #[inline(always)]
    fn encrypt_block(&self, block: &mut [u8]) {
        let b: &mut [u8; 8] = block.try_into().unwrap();
        let l = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        let r = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
        let (l, r) = self.encrypt_words(l, r);
        b[0..4].copy_from_slice(&l.to_be_bytes());
        b[4..8].copy_from_slice(&r.to_be_bytes());
    }
}
