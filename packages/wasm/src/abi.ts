import './webassembly.js';

/**
 * The TypeScript mirror of the kernel exports in `rust/src/batch.rs`.
 * Every pointer is a byte offset into the instance's linear memory.
 */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  readonly __heap_base: WebAssembly.Global;
  kernels_simd(): number;
  cipher_ctx_size(kind: number): number;
  cipher_block_size(kind: number): number;
  /** 0 = ok, -1 = unknown kind, -2 = key length rejected. */
  cipher_init(kind: number, ctx: number, key: number, keyLen: number): number;
  cfb_encrypt_batch(kind: number, ctx: number, iv: number, base: number, stride: number, lens: number, count: number): number;
  cfb_decrypt_batch(kind: number, ctx: number, iv: number, base: number, stride: number, lens: number, count: number): number;
  salsa20_xor_batch(key: number, base: number, stride: number, lens: number, count: number): void;
  xor_table_batch(table: number, tableLen: number, base: number, stride: number, lens: number, count: number): void;
  crc32_ieee(ptr: number, len: number): number;
  crc32_batch(base: number, stride: number, lens: number, count: number, skip: number, out: number): void;
  gf_matrix_mul(matrix: number, rows: number, cols: number, inputs: number, outputs: number, len: number): void;
  prefix_seal_batch(base: number, stride: number, lens: number, count: number, nonces: number): void;
  prefix_check_batch(base: number, stride: number, lens: number, count: number, ok: number): number;
  cfb_block_count(lens: number, count: number, block: number): number;
  cfb_shifted_blocks(base: number, stride: number, lens: number, count: number, iv: number, block: number, out: number): void;
  xor_blocks_batch(base: number, stride: number, lens: number, count: number, keystream: number, block: number): void;
  cfb_encrypt_column(base: number, stride: number, lens: number, count: number, keystream: number, registers: number, block: number, column: number): number;
}

/** Block cipher identifiers understood by `cipher_init` (rust/src/block.rs). */
export const CipherKind = {
  AES: 1,
  BLOWFISH: 2,
  CAST5: 3,
  TWOFISH: 4,
  TEA: 5,
  XTEA: 6,
  TRIPLE_DES: 7,
  SM4: 8,
} as const;
export type CipherKind = (typeof CipherKind)[keyof typeof CipherKind];

export const KERNEL_EXPORT_NAMES: readonly (keyof KernelExports)[] = [
  'memory',
  'kernels_simd',
  'cipher_ctx_size',
  'cipher_block_size',
  'cipher_init',
  'cfb_encrypt_batch',
  'cfb_decrypt_batch',
  'salsa20_xor_batch',
  'xor_table_batch',
  'crc32_ieee',
  'crc32_batch',
  'gf_matrix_mul',
  'prefix_seal_batch',
  'prefix_check_batch',
  'cfb_block_count',
  'cfb_shifted_blocks',
  'xor_blocks_batch',
  'cfb_encrypt_column',
];
