export { KcpSession, type KcpSessionOptions } from './kcpSession.js';
