//! kcptun's `xor` "cipher" (docs/protocol.md §1.6): XOR with a fixed table, same for every datagram.

pub fn apply(table: &[u8], data: &mut [u8]) {
    let n = core::cmp::min(table.len(), data.len());
    for (d, t) in data[..n].iter_mut().zip(&table[..n]) {
        *d ^= *t;
    }
}
