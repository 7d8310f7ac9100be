import type { MessagePort } from 'node:worker_threads';
import type { ForwardRings } from './forwarding.js';
import type { SessionSettings } from './settings.js';
import type { AdmissionSettings } from './admission.js';
import type { EventLoopFigures, SessionFigures } from './sessionFigures.js';

export type { SessionSettings };

/**
 * Messages between the control thread and a data-plane shard (over the
 * MessagePort handed to the shard's piscina task). Low-rate control only:
 * payload bytes never travel here, they cross through the session rings.
 */

/** The two byte rings of a session: control → shard (to send) and shard → control (received). */
export interface SessionRings {
  toShard: SharedArrayBuffer;
  toControl: SharedArrayBuffer;
}

/** Open a client session: a connected UDP socket towards host:port. */
export interface DialRequest {
  id: number;
  host: string;
  port: number;
  conv: number;
  settings: SessionSettings;
  rings: SessionRings;
}

/** Bind the server's UDP port on a shard. */
export interface ListenRequest {
  host: string;
  port: number;
  /** A kcptun port range `port`..`lastPort`: one socket per port (docs/protocol.md §7.13). */
  lastPort?: number;
  settings: SessionSettings;
  /** Session cap and replay filter of this listener. */
  admission: AdmissionSettings;
  /** Bytes of each ring of a new session. */
  ringBytes: number;
  /** Share the port with the other shards (SO_REUSEPORT, Node ≥ 22.12). */
  reusePort: boolean;
  /** Up to this many accepted sessions of a shard get a connected socket of their own (native UDP path; implies SO_REUSEPORT; 0 or absent: none). */
  sessionSockets?: number;
  /** Node < 22.12: the other shards this listener forwards sessions to. */
  forwards?: Array<{ owner: number; rings: ForwardRings }>;
}

export type ToShard =
  | ({ type: 'dial' } & DialRequest)
  | ({ type: 'listen' } & ListenRequest)
  /** Owner shard of forwarded server sessions (Node < 22.12): where its datagrams come from and go to. */
  | { type: 'serve-forwarded'; rings: ForwardRings; settings: SessionSettings }
  /** Run the session the listener shard accepted for this shard. */
  | { type: 'adopt'; id: number; conv: number; rings: SessionRings; remote: string }
  /** The listener forgets the address of a session another shard owned. */
  | { type: 'forget'; id: number }
  | { type: 'close'; id: number }
  /** Report every session's figures (answered with `stats` and the same request). */
  | { type: 'stats'; request: number }
  | { type: 'shutdown' };

export type FromShard =
  | { type: 'dialed'; id: number; local: string }
  | { type: 'dial-failed'; id: number; error: string }
  | { type: 'listening'; address: string; port: number }
  | { type: 'listen-failed'; error: string }
  | { type: 'accepted'; id: number; remote: string; conv: number; rings: SessionRings; owner: number }
  | { type: 'closed'; id: number; reason: string }
  | { type: 'stats'; request: number; sessions: SessionFigures[]; eventLoop: EventLoopFigures }
  | { type: 'log'; message: string };

/** The piscina task that starts a shard; the promise it returns settles at shutdown. */
export interface ShardTask {
  shardId: number;
  port: MessagePort;
  /** Backing store of the shard's SNMP counters (Snmp.BYTES). */
  snmp: SharedArrayBuffer;
  kernelVariant?: 'simd' | 'scalar';
}

/** The control thread's name for a session: ids are per shard. */
export function sessionKey(shard: number, id: number): string {
  return `${shard}:${id}`;
}
