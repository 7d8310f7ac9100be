export * from './constants.js';
export { applyMode, DEFAULT_KCP_CONFIG, PROFILES, verifyKcpConfig, verifyKcpSettings, type KcpConfig, type KcpMode, type KcpProfile, type KcpSettings } from './config.js';
export { InputResult, InvalidKcpConfigError } from './errors.js';
export { Kcp, type KcpOutput } from './kcp.js';
export { RtoEstimator } from './rtoEstimator.js';
export { emptySegmentHeader, encodeHeader, encodeResetSegment, isConversationStart, isResetSegment, isStaleConversation, isKnownCommand, readSegmentHeader, readU32, type SegmentHeader } from './header.js';
export { Segment } from './segment.js';
