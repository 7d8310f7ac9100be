/** Linux socket-option numbers (stable kernel ABI). */
export const constants = Object.freeze({
  SOL_SOCKET: 1,
  SO_ERROR: 4,
  IPPROTO_IP: 0,
  IP_TOS: 1,
  IPPROTO_IPV6: 41,
  IPV6_TCLASS: 67,
  IPPROTO_TCP: 6,
  TCP_FASTOPEN: 23,
  TCP_FASTOPEN_CONNECT: 30,
  /** `tcpi_options` bit: the SYN carried data and the peer acknowledged it. */
  TCPI_OPT_SYN_DATA: 32,
});

/** Linux `tcpi_state` values. */
export const TcpState = Object.freeze({
  ESTABLISHED: 1,
  SYN_SENT: 2,
  SYN_RECV: 3,
  FIN_WAIT1: 4,
  FIN_WAIT2: 5,
  TIME_WAIT: 6,
  CLOSE: 7,
  CLOSE_WAIT: 8,
  LAST_ACK: 9,
  LISTEN: 10,
  CLOSING: 11,
});
