export { KcpSession, type KcpSessionOptions } from './kcpSession.js';
export { Pacer } from './pacer.js';
