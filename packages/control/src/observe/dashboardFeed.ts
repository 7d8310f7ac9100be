/**
 * What the dashboard page receives once a second over server-sent events: one compact JSON
 * object per sample, with the figures its charts draw (rates from the sampler, levels from the
 * stats). Only what the page needs: no keys, no settings.
 */
import { sessionLabel, type Sample } from './sampler.js';

export interface FeedSession {
  key: string;
  remote: string;
  /** Bytes per second handed to KCP / taken out of it, and on the wire. */
  send: number;
  receive: number;
  wireSend: number;
  wireReceive: number;
  /** ms */
  srtt: number;
  rto: number;
  inFlight: number;
  retransmits: number;
  fecRecovered: number;
  streams: number;
}

export interface FeedShard {
  index: number;
  sessions: number;
  /** Busy fraction of the shard thread's event loop, 0–1. */
  load: number;
  wireSend: number;
  wireReceive: number;
}

export interface FeedSample {
  /** ms since the epoch */
  t: number;
  side: 'client' | 'server';
  sessions: FeedSession[];
  shards: FeedShard[];
}

export function feedSample(s: Sample): FeedSample {
  return {
    t: s.stats.at,
    side: s.stats.side,
    sessions: s.stats.sessions.map((st) => {
      const key = sessionLabel(st);
      const r = s.sessions.get(key)!;
      return {
        key,
        remote: st.remote,
        send: r.sendBytesPerSec,
        receive: r.receiveBytesPerSec,
        wireSend: r.wireSendBytesPerSec,
        wireReceive: r.wireReceiveBytesPerSec,
        srtt: st.srtt,
        rto: st.rto,
        inFlight: st.inFlight,
        retransmits: r.retransmitsPerSec,
        fecRecovered: r.fecRecoveredPerSec,
        streams: st.openStreams,
      };
    }),
    shards: s.stats.shards.map((sh, i) => ({ index: sh.index, sessions: sh.sessions, load: s.shards[i]?.load ?? 0, wireSend: s.shards[i]?.wireSendBytesPerSec ?? 0, wireReceive: s.shards[i]?.wireReceiveBytesPerSec ?? 0 })),
  };
}
