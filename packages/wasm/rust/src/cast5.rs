//! PLACEHOLDER — being written (helper-owned module).
use crate::block::BlockEncrypt;

pub struct Cast5 {
    _k: [u32; 1],
}

impl Cast5 {
    pub fn new(_key: &[u8]) -> Option<Self> {
        None
    }
}

impl BlockEncrypt for Cast5 {
    const BLOCK: usize = 8;
    fn encrypt_block(&self, _block: &mut [u8]) {}
}
