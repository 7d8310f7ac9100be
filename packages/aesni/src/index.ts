/**
 * AES-128/192/256 in CFB-128 over a whole DatagramBatch in one native call (AES-NI, several
 * datagrams interleaved when encrypting, several blocks when decrypting). Passed to
 * `createDatagramCipher(…, { nativeAes: nativeAes() })`; node:crypto is the fallback.
 */
export { nativeAes, aesImplementation, announceAes } from './engine.js';
export { aesniAddon, type AesniAddon } from './addon.js';
