//! PLACEHOLDER — being written (helper-owned module).
use crate::block::BlockEncrypt;

pub struct Xtea {
    _k: [u32; 1],
}

impl Xtea {
    pub fn new(_key: &[u8]) -> Option<Self> {
        None
    }
}

impl BlockEncrypt for Xtea {
    const BLOCK: usize = 8;
    fn encrypt_block(&self, _block: &mut [u8]) {}
}
