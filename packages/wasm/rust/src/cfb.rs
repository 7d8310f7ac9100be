//! Full-block CFB with a caller-supplied IV, one independent run per datagram
//! (spec §1.4). The trailing partial block is XORed with the leading bytes of
//! the current keystream block. Only the forward cipher is used.

use crate::block::BlockEncrypt;

/// Encrypt `data` in place: C_i = P_i ^ E(C_{i-1}), C_{-1} = IV.
pub fn encrypt<C: BlockEncrypt>(cipher: &C, iv: &[u8], data: &mut [u8]) {
    let b = C::BLOCK;
    let mut reg = [0u8; 16];
    reg[..b].copy_from_slice(&iv[..b]);
    let mut pos = 0;
    while pos < data.len() {
        cipher.encrypt_block(&mut reg[..b]);
        let n = core::cmp::min(b, data.len() - pos);
        let chunk = &mut data[pos..pos + n];
        for i in 0..n {
            chunk[i] ^= reg[i];
            reg[i] = chunk[i];
        }
        pos += n;
    }
}

/// Decrypt `data` in place: P_i = C_i ^ E(C_{i-1}), C_{-1} = IV.
pub fn decrypt<C: BlockEncrypt>(cipher: &C, iv: &[u8], data: &mut [u8]) {
    let b = C::BLOCK;
    let mut reg = [0u8; 16];
    reg[..b].copy_from_slice(&iv[..b]);
    let mut pos = 0;
    while pos < data.len() {
        let mut ks = reg;
        cipher.encrypt_block(&mut ks[..b]);
        let n = core::cmp::min(b, data.len() - pos);
        let chunk = &mut data[pos..pos + n];
        reg[..n].copy_from_slice(chunk);
        for i in 0..n {
            chunk[i] ^= ks[i];
        }
        pos += n;
    }
}
