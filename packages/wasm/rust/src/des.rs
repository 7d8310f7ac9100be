//! PLACEHOLDER — being written (helper-owned module).
use crate::block::BlockEncrypt;

pub struct TripleDes {
    _k: [u32; 1],
}

impl TripleDes {
    pub fn new(_key: &[u8]) -> Option<Self> {
        None
    }
}

impl BlockEncrypt for TripleDes {
    const BLOCK: usize = 8;
    fn encrypt_block(&self, _block: &mut [u8]) {}
}
