export * from './header.js';
export { FecEncoder, type FecEncoderOptions } from './encoder.js';
export { FecDecoder, type KcpSink } from './decoder.js';
export { ReedSolomon } from './reedSolomon.js';
export * from './errors.js';
export { verifyFecSettings, type FecSettings } from './settings.js';
export * from './shapeDetector.js';
