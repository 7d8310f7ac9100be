/** The socket options the data plane sets on its UDP sockets, as setsockopt numbers (Linux). */
export const SOL_SOCKET = 1;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const IPPROTO_IP = 0;
export const IP_TOS = 1;
export const IP_PKTINFO = 8;
export const IPPROTO_IPV6 = 41;
export const IPV6_TCLASS = 67;
export const IPV6_RECVPKTINFO = 49;
export const SOL_UDP = 17;
export const UDP_SEGMENT = 103;

/** What `--sockbuf` and `--dscp` ask of every UDP socket (docs/protocol.md §7.2, §7.3). */
export interface UdpSocketOptions {
  sockBuf: number;
  dscp: number;
}
