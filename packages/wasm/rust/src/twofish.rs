//! Twofish (Schneier et al. 1998), forward direction only, as Go's
//! x/crypto/twofish: 16-, 24- or 32-byte keys (kcptun: `pass[0:32]`).
//! Unlike the other block ciphers here, Twofish is little-endian: block words
//! and key words are read least-significant byte first.
//!
//! Fast path: the key-dependent S-boxes and the MDS matrix are folded into four
//! 256-entry u32 tables at key setup ("full keying"), so g(X) is four lookups
//! and three XORs. The fixed permutations q0/q1 are built at compile time by
//! `const fn` from the 4-bit tables t0..t3 of the paper (section 4.3.5).

use crate::block::BlockEncrypt;

/// The nibble tables t0..t3 defining q0 and q1 (Twofish paper, section 4.3.5).
const Q0_T: [[u8; 16]; 4] = [
    [0x8, 0x1, 0x7, 0xD, 0x6, 0xF, 0x3, 0x2, 0x0, 0xB, 0x5, 0x9, 0xE, 0xC, 0xA, 0x4],
    [0xE, 0xC, 0xB, 0x8, 0x1, 0x2, 0x3, 0x5, 0xF, 0x4, 0xA, 0x6, 0x7, 0x0, 0x9, 0xD],
    [0xB, 0xA, 0x5, 0xE, 0x6, 0xD, 0x9, 0x0, 0xC, 0x8, 0xF, 0x3, 0x2, 0x4, 0x7, 0x1],
    [0xD, 0x7, 0xF, 0x4, 0x1, 0x2, 0x6, 0xE, 0x9, 0xB, 0x3, 0x0, 0x8, 0x5, 0xC, 0xA],
];
const Q1_T: [[u8; 16]; 4] = [
    [0x2, 0x8, 0xB, 0xD, 0xF, 0x7, 0x6, 0xE, 0x3, 0x1, 0x9, 0x4, 0x0, 0xA, 0xC, 0x5],
    [0x1, 0xE, 0x2, 0xB, 0x4, 0xC, 0x3, 0x7, 0x6, 0xD, 0xA, 0x5, 0xF, 0x9, 0x0, 0x8],
    [0x4, 0xC, 0x7, 0x5, 0x1, 0x6, 0x9, 0xA, 0x0, 0xE, 0xD, 0x8, 0x2, 0xB, 0x3, 0xF],
    [0xB, 0x9, 0x5, 0x1, 0xC, 0x3, 0xD, 0xE, 0x6, 0x4, 0x7, 0xF, 0x2, 0x0, 0x8, 0xA],
];

const fn make_q(t: &[[u8; 16]; 4]) -> [u8; 256] {
    let mut q = [0u8; 256];
    let mut x = 0;
    while x < 256 {
        let a0 = (x >> 4) as u8;
        let b0 = (x & 15) as u8;
        let a1 = a0 ^ b0;
        let b1 = (a0 ^ (b0 >> 1 | (b0 & 1) << 3) ^ (a0 << 3)) & 15;
        let a2 = t[0][a1 as usize];
        let b2 = t[1][b1 as usize];
        let a3 = a2 ^ b2;
        let b3 = (a2 ^ (b2 >> 1 | (b2 & 1) << 3) ^ (a2 << 3)) & 15;
        let a4 = t[2][a3 as usize];
        let b4 = t[3][b3 as usize];
        q[x] = b4 << 4 | a4;
        x += 1;
    }
    q
}

static Q0: [u8; 256] = make_q(&Q0_T);
static Q1: [u8; 256] = make_q(&Q1_T);

/// a·b in GF(2^8) modulo the degree-8 polynomial `poly`.
const fn gf_mul(mut a: u8, mut b: u8, poly: u16) -> u8 {
    let mut r = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            r ^= a;
        }
        let hi = a & 0x80 != 0;
        a <<= 1;
        if hi {
            a ^= (poly & 0xff) as u8;
        }
        b >>= 1;
    }
    r
}

const MDS_POLY: u16 = 0x169;
const RS_POLY: u16 = 0x14d;

/// The MDS matrix (paper section 4.2); row i gives output byte i.
const MDS: [[u8; 4]; 4] = [
    [0x01, 0xEF, 0x5B, 0x5B],
    [0x5B, 0xEF, 0xEF, 0x01],
    [0xEF, 0x5B, 0x01, 0xEF],
    [0xEF, 0x01, 0xEF, 0x5B],
];

/// The Reed-Solomon matrix (paper section 4.3) mapping 8 key bytes to one S-box key word.
const RS: [[u8; 8]; 4] = [
    [0x01, 0xA4, 0x55, 0x87, 0x5A, 0x58, 0xDB, 0x9E],
    [0xA4, 0x56, 0x82, 0xF3, 0x1E, 0xC6, 0x68, 0xE5],
    [0x02, 0xA1, 0xFC, 0xC1, 0x47, 0xAE, 0x3D, 0x19],
    [0xA4, 0x55, 0x87, 0x5A, 0x58, 0xDB, 0x9E, 0x03],
];

/// MDS column `col` times byte `v`, as a little-endian word.
fn mds_column(v: u8, col: usize) -> u32 {
    let mut w = 0u32;
    for row in 0..4 {
        w |= (gf_mul(v, MDS[row][col], MDS_POLY) as u32) << (8 * row);
    }
    w
}

/// The key-dependent byte permutation of input byte `col` of h (paper 4.3.5),
/// for k = key words / 2 and list `l` of k little-endian key words (L0..L(k-1)).
fn h_byte(x: u8, col: usize, l: &[u32], k: usize) -> u8 {
    let lb = |i: usize| (l[i] >> (8 * col)) as u8;
    // q-box order per column for the stages k=4, k=3, then the two common ones.
    const ORDER: [[bool; 5]; 4] = [
        // true = q1, false = q0; stages applied from left to right
        [true, true, false, false, true],
        [false, true, true, false, false],
        [false, false, false, true, true],
        [true, false, true, true, false],
    ];
    let q = |one: bool, v: u8| if one { Q1[v as usize] } else { Q0[v as usize] };
    let o = &ORDER[col];
    let mut y = x;
    if k == 4 {
        y = q(o[0], y) ^ lb(3);
    }
    if k >= 3 {
        y = q(o[1], y) ^ lb(2);
    }
    y = q(o[2], y) ^ lb(1);
    y = q(o[3], y) ^ lb(0);
    q(o[4], y)
}

/// h(X, L) for X = (x, x, x, x) (the only form the key schedule needs).
fn h(x: u8, l: &[u32], k: usize) -> u32 {
    let mut w = 0;
    for col in 0..4 {
        w ^= mds_column(h_byte(x, col, l, k), col);
    }
    w
}

/// 40 round subkeys and the four key-dependent g tables (4256 bytes).
pub struct Twofish {
    k: [u32; 40],
    s: [[u32; 256]; 4],
}

impl Twofish {
    /// `key` must be 16, 24 or 32 bytes.
    pub fn new(key: &[u8]) -> Option<Self> {
        if key.len() != 16 && key.len() != 24 && key.len() != 32 {
            return None;
        }
        let k = key.len() / 8;
        let word = |i: usize| u32::from_le_bytes([key[4 * i], key[4 * i + 1], key[4 * i + 2], key[4 * i + 3]]);
        let mut me = [0u32; 4];
        let mut mo = [0u32; 4];
        // S-box key words, stored in the order h consumes them: sl[0] = S(k-1), ..., sl[k-1] = S0.
        let mut sl = [0u32; 4];
        for i in 0..k {
            me[i] = word(2 * i);
            mo[i] = word(2 * i + 1);
            let mut s = 0u32;
            for (row, coeffs) in RS.iter().enumerate() {
                let mut acc = 0u8;
                for (j, &c) in coeffs.iter().enumerate() {
                    acc ^= gf_mul(key[8 * i + j], c, RS_POLY);
                }
                s |= (acc as u32) << (8 * row);
            }
            sl[k - 1 - i] = s;
        }
        let mut c = Twofish { k: [0; 40], s: [[0; 256]; 4] };
        for i in 0..20 {
            let a = h(2 * i as u8, &me[..k], k);
            let b = h(2 * i as u8 + 1, &mo[..k], k).rotate_left(8);
            c.k[2 * i] = a.wrapping_add(b);
            c.k[2 * i + 1] = a.wrapping_add(b.wrapping_mul(2)).rotate_left(9);
        }
        for col in 0..4 {
            for x in 0..256 {
                c.s[col][x] = mds_column(h_byte(x as u8, col, &sl[..k], k), col);
            }
        }
        Some(c)
    }

    /// g(X) with the folded tables; X's byte i goes through table i.
    #[inline(always)]
    fn g(&self, x: u32) -> u32 {
        let s = &self.s;
        s[0][(x & 0xff) as usize] ^ s[1][(x >> 8 & 0xff) as usize] ^ s[2][(x >> 16 & 0xff) as usize] ^ s[3][(x >> 24) as usize]
    }
}

impl BlockEncrypt for Twofish {
    const BLOCK: usize = 16;

    #[inline(always)]
    fn encrypt_block(&self, block: &mut [u8]) {
        let b: &mut [u8; 16] = block.try_into().unwrap();
        let k = &self.k;
        let mut r0 = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) ^ k[0];
        let mut r1 = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) ^ k[1];
        let mut r2 = u32::from_le_bytes([b[8], b[9], b[10], b[11]]) ^ k[2];
        let mut r3 = u32::from_le_bytes([b[12], b[13], b[14], b[15]]) ^ k[3];
        // Two rounds per step so the halves swap back without moves. Fully unrolled:
        // with a loop, the SIMD build's SLP vectorizer packed r0..r3 into one v128
        // loop-carried value and paid extract/replace_lane in every round (+30%
        // on CFB decryption); unrolled, those fold away.
        macro_rules! double_round {
            ($($i:literal)*) => {$(
                let t0 = self.g(r0);
                let t1 = self.g(r1.rotate_left(8));
                r2 = (r2 ^ t0.wrapping_add(t1).wrapping_add(k[8 + 4 * $i])).rotate_right(1);
                r3 = r3.rotate_left(1) ^ t0.wrapping_add(t1.wrapping_mul(2)).wrapping_add(k[9 + 4 * $i]);
                let t0 = self.g(r2);
                let t1 = self.g(r3.rotate_left(8));
                r0 = (r0 ^ t0.wrapping_add(t1).wrapping_add(k[10 + 4 * $i])).rotate_right(1);
                r1 = r1.rotate_left(1) ^ t0.wrapping_add(t1.wrapping_mul(2)).wrapping_add(k[11 + 4 * $i]);
            )*};
        }
        double_round!(0 1 2 3 4 5 6 7);
        // Undo the last swap and whiten.
        b[0..4].copy_from_slice(&(r2 ^ k[4]).to_le_bytes());
        b[4..8].copy_from_slice(&(r3 ^ k[5]).to_le_bytes());
        b[8..12].copy_from_slice(&(r0 ^ k[6]).to_le_bytes());
        b[12..16].copy_from_slice(&(r1 ^ k[7]).to_le_bytes());
    }
}
