//! TEA as kcp-go uses it (docs/protocol.md §1.2): **16 rounds** = 8 cycles of paired
//! half-rounds, big-endian words for both the block (v0 = bytes 0–3) and the
//! 16-byte key (k0..k3), delta 0x9E3779B9. The common 64-round default does
//! not interoperate. Only the forward direction is needed (CFB).

use crate::block::BlockEncrypt;

const DELTA: u32 = 0x9E37_79B9;
/// Paired half-rounds: kcp-go's "16 rounds" (x/crypto/tea loops rounds/2 times).
const CYCLES: usize = 8;

pub struct Tea {
    k: [u32; 4],
}

impl Tea {
    /// `key` must be exactly 16 bytes.
    pub fn new(key: &[u8]) -> Option<Self> {
        if key.len() != 16 {
            return None;
        }
        let mut k = [0u32; 4];
        for (i, w) in k.iter_mut().enumerate() {
            *w = u32::from_be_bytes([key[4 * i], key[4 * i + 1], key[4 * i + 2], key[4 * i + 3]]);
        }
        Some(Tea { k })
    }
}

impl BlockEncrypt for Tea {
    const BLOCK: usize = 8;

    #[inline(always)]
    fn encrypt_block(&self, block: &mut [u8]) {
        let b: &mut [u8; 8] = block.try_into().unwrap();
        let mut v0 = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        let mut v1 = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
        let [k0, k1, k2, k3] = self.k;
        let mut sum = 0u32;
        for _ in 0..CYCLES {
            sum = sum.wrapping_add(DELTA);
            v0 = v0.wrapping_add(
                (v1 << 4).wrapping_add(k0) ^ v1.wrapping_add(sum) ^ (v1 >> 5).wrapping_add(k1),
            );
            v1 = v1.wrapping_add(
                (v0 << 4).wrapping_add(k2) ^ v0.wrapping_add(sum) ^ (v0 >> 5).wrapping_add(k3),
            );
        }
        b[..4].copy_from_slice(&v0.to_be_bytes());
        b[4..].copy_from_slice(&v1.to_be_bytes());
    }
}
