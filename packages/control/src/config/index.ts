export { ConfigError } from './configError.js';
export { FLAGS, flagsFor, type FlagKind, type FlagSpec } from './flags.js';
export { parseBool, parseGoArgs, parseInt64, type ParsedArgs, type ParsedFlag } from './goArgs.js';
export { helpText, VERSION } from './help.js';
export { defaultConfig, MODES, resolveConfig, SERVICES, validateConfig, type ResolveResult } from './resolve.js';
export type { Side, TunnelConfig } from './tunnelConfig.js';
