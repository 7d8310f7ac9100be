//! GF(2^8) matrix × shards, the only byte-heavy step of Reed–Solomon (docs/protocol.md §2.4).
//!
//! `out[r][0..len] = XOR over c of m[r*cols + c] · in[c][0..len]`. Encoding passes the
//! parity rows of the coding matrix; reconstruction passes rows of an inverted sub-matrix.
//! All matrix algebra stays in TypeScript: this file only streams bytes.
//!
//! Two implementations, chosen at compile time so each build carries one:
//! * SIMD128: nibble-table multiply with `i8x16.swizzle`, several output rows at once with
//!   their accumulators in registers, so each input vector is loaded and split into nibbles
//!   once per row group instead of once per output row.
//! * scalar: one 256-byte product-table row per coefficient, a pass per (row, column).

/// Pointers arrive as u32 offsets into linear memory (wasm32: usize is 32 bits).
#[inline(always)]
fn ptr(p: u32) -> *mut u8 {
    p as usize as *mut u8
}

/// See the module comment. `inputs` has `cols` pointers, `outputs` has `rows`; every buffer
/// holds at least `len` bytes and no output aliases an input (the caller's contract).
pub fn matrix_mul(m: &[u8], rows: usize, cols: usize, inputs: &[u32], outputs: &[u32], len: usize) {
    debug_assert!(m.len() >= rows * cols && inputs.len() >= cols && outputs.len() >= rows);
    if rows == 0 || len == 0 {
        return;
    }
    // SAFETY: the exported ABI's contract (batch.rs): pointers and lengths come from the
    // TypeScript allocator and are in bounds; outputs do not overlap inputs.
    unsafe {
        #[cfg(target_feature = "simd128")]
        simd::matrix_mul(m, rows, cols, inputs, outputs, len);
        #[cfg(not(target_feature = "simd128"))]
        scalar::matrix_mul(m, rows, cols, inputs, outputs, len);
    }
}

#[cfg(not(target_feature = "simd128"))]
mod scalar {
    use super::ptr;
    use crate::gf::MUL;
    use core::slice;

    /// Column-at-a-time: for each output row, the first non-zero coefficient writes the
    /// output, the rest XOR into it. 0 is skipped and 1 is a plain copy/XOR (free here, unlike
    /// in the SIMD loop).
    pub unsafe fn matrix_mul(m: &[u8], rows: usize, cols: usize, inputs: &[u32], outputs: &[u32], len: usize) {
        for r in 0..rows {
            let out = slice::from_raw_parts_mut(ptr(outputs[r]), len);
            let mut written = false;
            for c in 0..cols {
                let coef = m[r * cols + c];
                if coef == 0 {
                    continue;
                }
                let input = slice::from_raw_parts(ptr(inputs[c]), len);
                match (written, coef) {
                    (false, 1) => out.copy_from_slice(input),
                    (true, 1) => xor_into(out, input),
                    (false, _) => mul_set(&MUL[coef as usize], out, input),
                    (true, _) => mul_xor(&MUL[coef as usize], out, input),
                }
                written = true;
            }
            if !written {
                out.fill(0);
            }
        }
    }

    /// Eight lookups gathered into one u64: one load and one store per 8 output bytes.
    #[inline(always)]
    fn mul8(t: &[u8; 256], x: u64) -> u64 {
        let mut y = 0u64;
        let mut k = 0;
        while k < 8 {
            y |= (t[((x >> (8 * k)) & 0xFF) as usize] as u64) << (8 * k);
            k += 1;
        }
        y
    }

    fn mul_set(t: &[u8; 256], out: &mut [u8], input: &[u8]) {
        let mut o8 = out.chunks_exact_mut(8);
        let mut i8 = input.chunks_exact(8);
        for (o, i) in (&mut o8).zip(&mut i8) {
            let x = u64::from_le_bytes([i[0], i[1], i[2], i[3], i[4], i[5], i[6], i[7]]);
            o.copy_from_slice(&mul8(t, x).to_le_bytes());
        }
        for (o, i) in o8.into_remainder().iter_mut().zip(i8.remainder()) {
            *o = t[*i as usize];
        }
    }

    fn mul_xor(t: &[u8; 256], out: &mut [u8], input: &[u8]) {
        let mut o8 = out.chunks_exact_mut(8);
        let mut i8 = input.chunks_exact(8);
        for (o, i) in (&mut o8).zip(&mut i8) {
            let x = u64::from_le_bytes([i[0], i[1], i[2], i[3], i[4], i[5], i[6], i[7]]);
            let prev = u64::from_le_bytes([o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7]]);
            o.copy_from_slice(&(prev ^ mul8(t, x)).to_le_bytes());
        }
        for (o, i) in o8.into_remainder().iter_mut().zip(i8.remainder()) {
            *o ^= t[*i as usize];
        }
    }

    fn xor_into(out: &mut [u8], input: &[u8]) {
        for (o, i) in out.iter_mut().zip(input) {
            *o ^= *i;
        }
    }
}

#[cfg(target_feature = "simd128")]
mod simd {
    use super::ptr;
    use crate::gf::NIBBLE;
    use core::arch::wasm32::*;

    /// Vectors (16 bytes each) per row and step. Measured on V8 (Node 20, x64): two vectors
    /// by two or three rows beat one or four vectors and larger row groups, which spill.
    const VECTORS: usize = 2;

    pub unsafe fn matrix_mul(m: &[u8], rows: usize, cols: usize, inputs: &[u32], outputs: &[u32], len: usize) {
        let mut r = 0;
        while r < rows {
            // Pairs of rows; an odd count ends with a group of three (a lone row is slowest).
            let n = match rows - r {
                1 => 1,
                3 => 3,
                _ => 2,
            };
            let rm = &m[r * cols..(r + n) * cols];
            let outs = &outputs[r..r + n];
            let sparse = worth_special_casing(rm);
            match (n, sparse) {
                (1, false) => row_group::<1, false>(rm, cols, inputs, outs, len),
                (1, true) => row_group::<1, true>(rm, cols, inputs, outs, len),
                (2, false) => row_group::<2, false>(rm, cols, inputs, outs, len),
                (2, true) => row_group::<2, true>(rm, cols, inputs, outs, len),
                (_, false) => row_group::<3, false>(rm, cols, inputs, outs, len),
                (_, true) => row_group::<3, true>(rm, cols, inputs, outs, len),
            }
            r += n;
        }
    }

    /// Whether to branch on coefficients 0 (skip) and 1 (plain XOR) inside the hot loop.
    /// The branch costs ~30% on general coefficients, a 1 saves ~35% and a 0 ~60% of a
    /// multiply (measured), so it pays once 0s and 1s dominate the group: weigh a 0 twice.
    fn worth_special_casing(rm: &[u8]) -> bool {
        let weight: usize = rm
            .iter()
            .map(|&c| {
                if c == 0 {
                    2
                } else if c == 1 {
                    1
                } else {
                    0
                }
            })
            .sum();
        4 * weight >= 3 * rm.len()
    }

    #[inline(always)]
    unsafe fn load(p: *const u8) -> v128 {
        core::ptr::read_unaligned(p as *const v128)
    }

    #[inline(always)]
    unsafe fn store(p: *mut u8, v: v128) {
        core::ptr::write_unaligned(p as *mut v128, v)
    }

    /// The two nibble tables of a coefficient (16-byte aligned, see gf.rs).
    #[inline(always)]
    unsafe fn tables(coef: u8) -> (v128, v128) {
        let t = NIBBLE.0.as_ptr().add(coef as usize) as *const v128;
        (*t, *t.add(1))
    }

    /// `c·x` for the 16 bytes of `x`, given its split nibbles.
    #[inline(always)]
    fn mul(tl: v128, th: v128, lo: v128, hi: v128) -> v128 {
        v128_xor(i8x16_swizzle(tl, lo), i8x16_swizzle(th, hi))
    }

    /// R output rows over all columns (`rm` is R rows of `cols` coefficients). Accumulators
    /// stay in registers for a 32-byte column step; each input vector is loaded and split
    /// into nibbles once for all R rows. SPARSE selects the 0/1-branching inner loop.
    #[inline(always)]
    unsafe fn row_group<const R: usize, const SPARSE: bool>(
        rm: &[u8],
        cols: usize,
        inputs: &[u32],
        outs: &[u32],
        len: usize,
    ) {
        let low_mask = u8x16_splat(0x0F);
        let zero = u64x2_splat(0);
        let step = 16 * VECTORS;
        let mut off = 0;
        while off + step <= len {
            let mut acc = [[zero; VECTORS]; R];
            for c in 0..cols {
                let p = ptr(*inputs.get_unchecked(c)).add(off);
                let mut x = [zero; VECTORS];
                let mut lo = [zero; VECTORS];
                let mut hi = [zero; VECTORS];
                for v in 0..VECTORS {
                    x[v] = load(p.add(16 * v));
                    lo[v] = v128_and(x[v], low_mask);
                    hi[v] = u8x16_shr(x[v], 4);
                }
                for r in 0..R {
                    let coef = *rm.get_unchecked(r * cols + c);
                    if SPARSE && coef <= 1 {
                        if coef == 1 {
                            for v in 0..VECTORS {
                                acc[r][v] = v128_xor(acc[r][v], x[v]);
                            }
                        }
                        continue;
                    }
                    let (tl, th) = tables(coef);
                    for v in 0..VECTORS {
                        acc[r][v] = v128_xor(acc[r][v], mul(tl, th, lo[v], hi[v]));
                    }
                }
            }
            for r in 0..R {
                let o = ptr(*outs.get_unchecked(r)).add(off);
                for v in 0..VECTORS {
                    store(o.add(16 * v), acc[r][v]);
                }
            }
            off += step;
        }
        // At most one remaining whole vector.
        while off + 16 <= len {
            let mut acc = [zero; R];
            for c in 0..cols {
                let x = load(ptr(*inputs.get_unchecked(c)).add(off));
                let lo = v128_and(x, low_mask);
                let hi = u8x16_shr(x, 4);
                for r in 0..R {
                    let (tl, th) = tables(*rm.get_unchecked(r * cols + c));
                    acc[r] = v128_xor(acc[r], mul(tl, th, lo, hi));
                }
            }
            for r in 0..R {
                store(ptr(*outs.get_unchecked(r)).add(off), acc[r]);
            }
            off += 16;
        }
        // Tail bytes through the same nibble tables (no 64 KiB product table in this build).
        while off < len {
            for r in 0..R {
                let mut acc = 0u8;
                for c in 0..cols {
                    let t = NIBBLE.0.get_unchecked(*rm.get_unchecked(r * cols + c) as usize);
                    let x = *ptr(*inputs.get_unchecked(c)).add(off);
                    acc ^= t[(x & 0x0F) as usize] ^ t[16 + (x >> 4) as usize];
                }
                *ptr(*outs.get_unchecked(r)).add(off) = acc;
            }
            off += 1;
        }
    }
}
