export { bracketHostPort, formatAddress, parseAddress, parseServiceAddress, socketAddress, type AddressResult, type AddressRules, type HostPort } from './address.js';
export { ConfigError } from './configError.js';
export { FLAGS, flagsFor, setField, type FlagField, type FlagKind, type FlagSpec, type FlagValue } from './flags.js';
export { parseBool, parseGoArgs, parseInt64, type ParsedArgs, type ParsedFlag } from './goArgs.js';
export { helpText, VERSION } from './help.js';
export { checkedSettings, coerce, defaultConfig, fromJson, MODES, resolveConfig, SERVICES, type ResolveResult } from './resolve.js';
export { CONFIG_FIELDS, type Side, type TunnelConfig } from './tunnelConfig.js';
export { tunnelSettings, type TunnelSettings } from './tunnelSettings.js';
