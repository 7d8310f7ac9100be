//! Triple-DES EDE with three independent keys (docs/protocol.md §1.2: `3des` = pass[0:24],
//! K1 = bytes 0–7, K2 = 8–15, K3 = 16–23): C = E_K3(D_K2(E_K1(P))).
//!
//! Speed comes from the usual "SP-box" formulation: each S-box is fused with
//! the P permutation into a 64-entry table of 32-bit words (built by `const fn`
//! from the FIPS 46-3 tables below), and the E expansion becomes two rotations
//! of R with the 6-bit subkey groups pre-arranged to match. The initial and
//! final permutations run once per 3DES block (IP∘FP cancels between the three
//! stages), as 16 nibble-table lookups each.
//!
//! The D_K2 step is DES with K2's subkeys in reverse order, so the context just
//! holds 48 rounds of subkeys in application order.

use crate::block::BlockEncrypt;

// FIPS 46-3 tables: 1-based bit numbers, bit 1 = most significant.
const IP: [u8; 64] = [
    58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, //
    62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8, //
    57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, //
    61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
];
const FP: [u8; 64] = [
    40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31, //
    38, 6, 46, 14, 54, 22, 62, 30, 37, 5, 45, 13, 53, 21, 61, 29, //
    36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27, //
    34, 2, 42, 10, 50, 18, 58, 26, 33, 1, 41, 9, 49, 17, 57, 25,
];
const P: [u8; 32] = [
    16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, //
    2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25,
];
const PC1: [u8; 56] = [
    57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, //
    10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36, //
    63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, //
    14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];
const PC2: [u8; 48] = [
    14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, //
    23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, //
    41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, //
    44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];
const SHIFTS: [u8; 16] = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
/// S-boxes, row-major: entry `row * 16 + col`.
const S: [[u8; 64]; 8] = [
    [
        14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8, //
        4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13,
    ],
    [
        15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5, //
        0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9,
    ],
    [
        10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1, //
        13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12,
    ],
    [
        7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9, //
        10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14,
    ],
    [
        2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6, //
        4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3,
    ],
    [
        12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8, //
        9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13,
    ],
    [
        4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6, //
        1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12,
    ],
    [
        13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2, //
        7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11,
    ],
];

/// Apply a FIPS-style bit selection: output bit k (1-based from the MSB of an
/// `out_bits`-wide value) is input bit `table[k-1]` of an `in_bits`-wide value.
const fn select_bits(x: u64, in_bits: u32, table: &[u8], out_bits: u32) -> u64 {
    let mut out = 0u64;
    let mut k = 0;
    while k < out_bits as usize {
        let bit = (x >> (in_bits - table[k] as u32)) & 1;
        out |= bit << (out_bits - 1 - k as u32);
        k += 1;
    }
    out
}

/// A 64-bit permutation split into 16 nibble tables: `t[n][v]` is the image of
/// nibble value `v` at nibble position `n` (0 = most significant).
const fn nibble_tables(table: &[u8; 64]) -> [[u64; 16]; 16] {
    let mut t = [[0u64; 16]; 16];
    let mut n = 0;
    while n < 16 {
        let mut v = 0;
        while v < 16 {
            t[n][v] = select_bits((v as u64) << (60 - 4 * n), 64, table, 64);
            v += 1;
        }
        n += 1;
    }
    t
}

/// `sp[i][x]`: S-box i applied to the 6-bit group x (E-expansion bit order,
/// MSB first), its 4-bit output placed at nibble i and then permuted by P.
const fn sp_tables() -> [[u32; 64]; 8] {
    let mut sp = [[0u32; 64]; 8];
    let mut i = 0;
    while i < 8 {
        let mut x = 0;
        while x < 64 {
            let row = ((x >> 4) & 2) | (x & 1);
            let col = (x >> 1) & 15;
            let s = S[i][row * 16 + col] as u64;
            sp[i][x] = select_bits(s << (28 - 4 * i), 32, &P, 32) as u32;
            x += 1;
        }
        i += 1;
    }
    sp
}

static IP_T: [[u64; 16]; 16] = nibble_tables(&IP);
static FP_T: [[u64; 16]; 16] = nibble_tables(&FP);
static SP: [[u32; 64]; 8] = sp_tables();

#[inline(always)]
fn permute(t: &[[u64; 16]; 16], x: u64) -> u64 {
    let mut out = 0;
    for (n, tn) in t.iter().enumerate() {
        out ^= tn[((x >> (60 - 4 * n)) & 15) as usize];
    }
    out
}

/// The DES round function f(R, K). E-expansion group i (6 bits) is
/// `rotl(R, 4i + 5) & 63`; groups 0, 6, 4, 2 sit in the four bytes of
/// `rotl(R, 5)` and groups 1, 7, 5, 3 in those of `rotl(R, 9)`, so the subkey
/// words `ka`, `kb` carry the matching 6-bit groups in the same bytes.
#[inline(always)]
fn f(r: u32, ka: u32, kb: u32) -> u32 {
    let x = r.rotate_left(5) ^ ka;
    let y = r.rotate_left(9) ^ kb;
    SP[0][(x & 63) as usize]
        ^ SP[6][((x >> 8) & 63) as usize]
        ^ SP[4][((x >> 16) & 63) as usize]
        ^ SP[2][((x >> 24) & 63) as usize]
        ^ SP[1][(y & 63) as usize]
        ^ SP[7][((y >> 8) & 63) as usize]
        ^ SP[5][((y >> 16) & 63) as usize]
        ^ SP[3][((y >> 24) & 63) as usize]
}

/// The 16 round subkeys of one DES key, each as the (ka, kb) pair used by `f`.
fn des_subkeys(key: &[u8]) -> [[u32; 2]; 16] {
    let k = u64::from_be_bytes([key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7]]);
    let cd = select_bits(k, 64, &PC1, 56);
    const M28: u64 = (1 << 28) - 1;
    let (mut c, mut d) = (cd >> 28, cd & M28);
    let mut out = [[0u32; 2]; 16];
    for (round, &s) in SHIFTS.iter().enumerate() {
        c = ((c << s) | (c >> (28 - s))) & M28;
        d = ((d << s) | (d >> (28 - s))) & M28;
        let k48 = select_bits((c << 28) | d, 56, &PC2, 48);
        let g = |i: u32| ((k48 >> (42 - 6 * i)) & 63) as u32;
        out[round] = [
            g(0) | g(6) << 8 | g(4) << 16 | g(2) << 24,
            g(1) | g(7) << 8 | g(5) << 16 | g(3) << 24,
        ];
    }
    out
}

pub struct TripleDes {
    /// 48 rounds of (ka, kb) in application order: K1 forward, K2 reversed, K3 forward.
    ks: [u32; 96],
}

impl TripleDes {
    /// `key` must be exactly 24 bytes (three independent DES keys; parity bits ignored).
    pub fn new(key: &[u8]) -> Option<Self> {
        if key.len() != 24 {
            return None;
        }
        let mut ks = [0u32; 96];
        for stage in 0..3 {
            let sub = des_subkeys(&key[8 * stage..8 * stage + 8]);
            for round in 0..16 {
                let src = if stage == 1 { 15 - round } else { round };
                let at = 2 * (16 * stage + round);
                ks[at] = sub[src][0];
                ks[at + 1] = sub[src][1];
            }
        }
        Some(TripleDes { ks })
    }
}

impl BlockEncrypt for TripleDes {
    const BLOCK: usize = 8;

    #[inline(always)]
    fn encrypt_block(&self, block: &mut [u8]) {
        let b: &mut [u8; 8] = block.try_into().unwrap();
        let x = permute(&IP_T, u64::from_be_bytes(*b));
        let (mut l, mut r) = ((x >> 32) as u32, x as u32);
        for stage in self.ks.chunks_exact(32) {
            for k in stage.chunks_exact(4) {
                l ^= f(r, k[0], k[1]);
                r ^= f(l, k[2], k[3]);
            }
            // End of a DES: the pre-output is R16‖L16, which is also the next
            // stage's input after FP then IP.
            core::mem::swap(&mut l, &mut r);
        }
        *b = permute(&FP_T, ((l as u64) << 32) | r as u64).to_be_bytes();
    }
}
