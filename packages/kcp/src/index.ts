export * from './constants.js';
export { applyMode, DEFAULT_KCP_CONFIG, PROFILES, verifyKcpConfig, verifyKcpSettings, type KcpConfig, type KcpMode, type KcpProfile, type KcpSettings } from './config.js';
export { Deque } from './deque.js';
export { InputResult, InvalidKcpConfigError } from './errors.js';
export { Kcp, type KcpOutput } from './kcp.js';
export { RtoEstimator } from './rtoEstimator.js';
export { encodeHeader, readU32, Segment } from './segment.js';
