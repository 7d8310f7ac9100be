//! PLACEHOLDER — being written (helper-owned module).
use crate::block::BlockEncrypt;

pub struct Aes {
    _k: [u32; 1],
}

impl Aes {
    pub fn new(_key: &[u8]) -> Option<Self> {
        None
    }
}

impl BlockEncrypt for Aes {
    const BLOCK: usize = 16;
    fn encrypt_block(&self, _block: &mut [u8]) {}
}
