//! XTEA, standard 32 cycles (64 Feistel rounds), big-endian block and key
//! words (docs/protocol.md §1.2). Only the forward direction is needed (CFB).
//!
//! The per-half-round term `sum + k[...]` depends only on the key, so it is
//! precomputed at init: 64 words, no data-dependent table lookups.

use crate::block::BlockEncrypt;

const DELTA: u32 = 0x9E37_79B9;
const CYCLES: usize = 32;

pub struct Xtea {
    /// `sk[2i]` = sum_i + k[sum_i & 3], `sk[2i+1]` = sum_{i+1} + k[(sum_{i+1} >> 11) & 3].
    sk: [u32; 2 * CYCLES],
}

impl Xtea {
    /// `key` must be exactly 16 bytes.
    pub fn new(key: &[u8]) -> Option<Self> {
        if key.len() != 16 {
            return None;
        }
        let mut k = [0u32; 4];
        for (i, w) in k.iter_mut().enumerate() {
            *w = u32::from_be_bytes([key[4 * i], key[4 * i + 1], key[4 * i + 2], key[4 * i + 3]]);
        }
        let mut sk = [0u32; 2 * CYCLES];
        let mut sum = 0u32;
        for i in 0..CYCLES {
            sk[2 * i] = sum.wrapping_add(k[(sum & 3) as usize]);
            sum = sum.wrapping_add(DELTA);
            sk[2 * i + 1] = sum.wrapping_add(k[((sum >> 11) & 3) as usize]);
        }
        Some(Xtea { sk })
    }
}

impl BlockEncrypt for Xtea {
    const BLOCK: usize = 8;

    #[inline(always)]
    fn encrypt_block(&self, block: &mut [u8]) {
        let b: &mut [u8; 8] = block.try_into().unwrap();
        let mut v0 = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        let mut v1 = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
        for pair in self.sk.chunks_exact(2) {
            v0 = v0.wrapping_add(((v1 << 4) ^ (v1 >> 5)).wrapping_add(v1) ^ pair[0]);
            v1 = v1.wrapping_add(((v0 << 4) ^ (v0 >> 5)).wrapping_add(v0) ^ pair[1]);
        }
        b[..4].copy_from_slice(&v0.to_be_bytes());
        b[4..].copy_from_slice(&v1.to_be_bytes());
    }
}
