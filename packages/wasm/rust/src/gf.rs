//! GF(2^8) with reduction polynomial x^8+x^4+x^3+x^2+1 (0x11D) and generator 2 — the
//! field klauspost/reedsolomon (and so kcp-go's FEC) uses (docs/protocol.md §2.4).
//!
//! Every table is computed by `const fn` at compile time: the kernels need no init call
//! and keep no mutable global state. Only the tables a build actually touches survive LTO
//! (the scalar build keeps `MUL`, the SIMD build keeps `NIBBLE`).

/// The reduction polynomial, including the x^8 term.
pub const POLYNOMIAL: u32 = 0x11D;

/// Full product table: `MUL[a][b] = a·b`. 64 KiB, one 256-byte row per coefficient, so the
/// scalar kernel does a single lookup per byte.
#[allow(dead_code)] // the SIMD build uses NIBBLE only
pub static MUL: [[u8; 256]; 256] = build_mul();

/// Nibble tables for shuffle-based multiplication: for coefficient c, bytes 0..16 hold
/// `c·i` and bytes 16..32 hold `c·(i<<4)` (i = 0..15), so `c·x = lo[x & 15] ^ hi[x >> 4]`.
/// 16-byte aligned so each half is one aligned vector load.
#[repr(C, align(16))]
pub struct NibbleTables(pub [[u8; 32]; 256]);

#[allow(dead_code)] // the scalar build uses MUL only
pub static NIBBLE: NibbleTables = NibbleTables(build_nibble());

/// Shift-and-add product; used only to fill tables at compile time (the hot paths use the
/// tables below).
const fn slow_mul(a: u8, b: u8) -> u8 {
    let mut a = a as u32;
    let mut b = b;
    let mut p: u32 = 0;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        a <<= 1;
        if a & 0x100 != 0 {
            a ^= POLYNOMIAL;
        }
        b >>= 1;
    }
    p as u8
}

const fn build_mul() -> [[u8; 256]; 256] {
    // Row c is linear in its argument: c·(x^y) = c·x ^ c·y, so each row is built from its
    // eight powers-of-two entries. This keeps const evaluation well under its step limit.
    let mut t = [[0u8; 256]; 256];
    let mut c = 0;
    while c < 256 {
        let mut x = 1;
        while x < 256 {
            let high_bit = 1usize << (usize::BITS - 1 - (x as usize).leading_zeros());
            t[c][x] = if high_bit == x {
                slow_mul(c as u8, x as u8)
            } else {
                t[c][high_bit] ^ t[c][x ^ high_bit]
            };
            x += 1;
        }
        c += 1;
    }
    t
}

const fn build_nibble() -> [[u8; 32]; 256] {
    let mut t = [[0u8; 32]; 256];
    let mut c = 0;
    while c < 256 {
        let mut i = 0;
        while i < 16 {
            t[c][i] = slow_mul(c as u8, i as u8);
            t[c][16 + i] = slow_mul(c as u8, (i << 4) as u8);
            i += 1;
        }
        c += 1;
    }
    t
}
