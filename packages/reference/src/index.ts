// Naive TypeScript references of every optimised kernel: test oracles and bench baselines.
export * from './galois.js';
export * from './reedSolomon.js';
export * from './tea.js';
export * from './xtea.js';
export * from './des.js';
export * from './sm4.js';
export * from './salsa20.js';
export * from './cfb.js';
export * from './aes.js';
export * from './blowfish.js';
export * from './cast5.js';
export * from './twofish.js';
export * from './crc32.js';
