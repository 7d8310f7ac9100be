//! PLACEHOLDER — being written (helper-owned module).
use crate::block::BlockEncrypt;

pub struct Sm4 {
    _k: [u32; 1],
}

impl Sm4 {
    pub fn new(_key: &[u8]) -> Option<Self> {
        None
    }
}

impl BlockEncrypt for Sm4 {
    const BLOCK: usize = 16;
    fn encrypt_block(&self, _block: &mut [u8]) {}
}
