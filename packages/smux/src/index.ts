export { DEFAULT_SMUX_CONFIG, verifySmuxConfig, type SmuxConfig, type SmuxDialect } from './config.js';
export {
  BadUpdateFrameError,
  FrameTooLargeError,
  InvalidSmuxConfigError,
  InvalidVersionError,
  KeepaliveTimeoutError,
  SessionClosedError,
  SmuxError,
  SmuxInternalError,
  SmuxProtocolError,
  StreamIdsExhaustedError,
  UnknownCommandError,
} from './errors.js';
export {
  CMD_ACK,
  CMD_EMP,
  CMD_FIN,
  CMD_FUL,
  CMD_MAX,
  CMD_MAX_STOCK,
  CMD_UPD,
  CMD_NOP,
  CMD_PSH,
  CMD_SYN,
  COMMAND_NAMES,
  decodeHeader,
  encodeFrame,
  encodeHeader,
  FrameDecoder,
  HEADER_SIZE,
  MAX_PAYLOAD,
  SMUX_VERSION,
  SMUX_VERSION_2,
  type FrameHandler,
  type FrameHeader,
  type HeaderCheck,
} from './frame.js';
export { FLOW_NONE, FLOW_PAUSE, FLOW_RESUME, StreamFlowControl, type FlowDecision } from './flowControl.js';
export { CompatKeepalive, HeartbeatKeepalive, INITIAL_RTT_MS, StockKeepalive, type Keepalive, type KeepaliveHost } from './keepalive.js';
export { decodeUpdBody, encodeUpdBody, INITIAL_PEER_WINDOW, StreamWindow, UPD_BODY_SIZE } from './streamWindow.js';
export { SmuxSession, type SmuxEvent, type SmuxRole, type SmuxSessionOptions } from './session.js';
export { SmuxStream } from './stream.js';
