//! PLACEHOLDER — being written (helper-owned module).
pub fn xor_keystream(_key: &[u8; 32], _nonce: &[u8; 8], _data: &mut [u8]) {}
