/**
 * Where the crypt layer's bytes sit around the payload (FEC or KCP bytes) of a
 * datagram, per `--crypt` name (docs/protocol.md §1.3, §1.9, §1.10):
 *
 *   prefix  nonce 16 | CRC-32 4 | payload            then the whole datagram encrypted
 *   aead    nonce 12 | payload | GCM tag 16          (aes-128-gcm)
 *   bare    payload                                  (null: no crypt bytes at all)
 */
import type { CipherName } from './cipherNames.js';
import { CRYPT_HEADER_SIZE } from './prefix.js';

export type PacketLayoutKind = 'prefix' | 'aead' | 'bare';

export interface PacketLayout {
  readonly kind: PacketLayoutKind;
  /** Bytes in front of the payload; where FEC or KCP bytes start. */
  readonly header: number;
  /** Bytes after the payload. */
  readonly trailer: number;
}

/** The AES-GCM nonce and tag sizes kcp-go uses (docs/protocol.md §1.9). */
export const AEAD_NONCE_SIZE = 12;
export const AEAD_TAG_SIZE = 16;

export const PREFIX_LAYOUT: PacketLayout = Object.freeze({ kind: 'prefix', header: CRYPT_HEADER_SIZE, trailer: 0 });
export const AEAD_LAYOUT: PacketLayout = Object.freeze({ kind: 'aead', header: AEAD_NONCE_SIZE, trailer: AEAD_TAG_SIZE });
export const BARE_LAYOUT: PacketLayout = Object.freeze({ kind: 'bare', header: 0, trailer: 0 });

export function packetLayoutOf(method: CipherName): PacketLayout {
  if (method === 'aes-128-gcm') return AEAD_LAYOUT;
  if (method === 'null') return BARE_LAYOUT;
  return PREFIX_LAYOUT;
}

/** Crypt bytes per datagram: what KCP's `reserved` must count besides FEC (docs/protocol.md §3.2). */
export function cryptOverhead(layout: PacketLayout): number {
  return layout.header + layout.trailer;
}
