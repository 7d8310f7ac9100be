/**
 * The listener's first look at datagrams from addresses without a session, cheapest test first
 * and in batches (docs/protocol.md §3.9): length, the replay filter on the bytes as received (one
 * lookup), then one decryption + CRC call for every newcomer of a receive batch together, on a
 * copy (the original stays intact for the session it may open), and a readable conv. Allocates
 * nothing per datagram; every refusal is counted (InErrs, InCsumErrors by PacketCrypt, ReplayDrops).
 */
import { createDatagramCipher, cryptOverhead, PacketCrypt } from '@kcptunb/crypt';
import { nativeAes } from '@kcptunb/aesni';
import { KCP_OVERHEAD } from '@kcptunb/kcp';
import { S, type Snmp } from '@kcptunb/snmp';
import { DatagramBatch, type Kernels } from '@kcptunb/wasm';
import { readFirstDatagram, type FirstDatagram } from './firstDatagram.js';
import { KEY_BYTES, keyHigh, keyLow, type ReplayFilter } from './replayFilter.js';
import type { SessionSettings } from './settings.js';

/** Newcomers decrypted per call (a receive batch holds at most this many; more are probed in turns). */
export const PROBE_BATCH = 64;

export class NewcomerProbe {
  /** The server's packet layer for newcomers (the listener also seals its resets with it). */
  readonly crypt: PacketCrypt;
  /** Bytes of the crypto prefix before the KCP or FEC bytes. */
  readonly cryptHeader: number;
  private readonly batch: DatagramBatch;
  /** Per probed datagram: its slot in the receive batch and its replay key (lo, hi; 0, 0 when too short). */
  private readonly slots = new Int32Array(PROBE_BATCH);
  private readonly keys = new Uint32Array(2 * PROBE_BATCH);
  /** Per probed datagram: whether it was long enough to be checked (a shorter one is InErrs, not a checksum failure). */
  private readonly checked = new Uint8Array(PROBE_BATCH);
  private readonly minLength: number;
  /** open()'s verdicts, copied out of kernel memory: opening a session may grow it and detach views. */
  private readonly flags = new Uint8Array(PROBE_BATCH);

  constructor(
    kernels: Kernels,
    settings: SessionSettings,
    private readonly snmp: Snmp,
    private readonly replay: ReplayFilter | undefined,
  ) {
    const cipher = createDatagramCipher(kernels, settings.crypt.method, settings.crypt.key, { nativeAes: nativeAes() });
    this.cryptHeader = cipher.layout.header;
    this.minLength = cryptOverhead(cipher.layout) + KCP_OVERHEAD;
    this.crypt = new PacketCrypt(kernels, cipher, { snmp, minLength: this.minLength }, PROBE_BATCH);
    this.batch = new DatagramBatch(kernels, PROBE_BATCH);
  }

  get count(): number {
    return this.batch.count;
  }

  get full(): boolean {
    return this.batch.count === PROBE_BATCH;
  }

  /** Take `datagram` (slot `slot` of the receive batch) unless its length or the replay filter refuses it. */
  add(datagram: Uint8Array, slot: number): void {
    if (datagram.length > this.batch.stride) {
      this.snmp.values[S.InErrs]!++;
      return;
    }
    // a replay is refused before it costs a copy, a decryption or admission's tokens
    if (this.replay?.seen(datagram)) {
      this.snmp.values[S.ReplayDrops]!++;
      return;
    }
    const j = this.batch.push(datagram);
    this.slots[j] = slot;
    this.checked[j] = datagram.length >= this.minLength ? 1 : 0;
    const keyed = datagram.length >= KEY_BYTES;
    this.keys[2 * j] = keyed ? keyLow(datagram) : 0;
    this.keys[2 * j + 1] = keyed ? keyHigh(datagram) : 0;
  }

  /** Decrypt and check every datagram taken, in one call. */
  open(): void {
    this.flags.set(this.crypt.open(this.batch));
  }

  /** Receive-batch slot of probed datagram `j`. */
  slot(j: number): number {
    return this.slots[j]!;
  }

  /**
   * The conv probed datagram `j` asks for and whether it is stale (docs/protocol.md §3.10), or
   * undefined (counted): it failed decryption or CRC, names no conv, or repeats one admitted
   * since it was taken (the same datagram twice in a batch).
   */
  first(j: number): FirstDatagram | undefined {
    if (!this.flags[j]) return undefined; // counted by PacketCrypt
    const first = readFirstDatagram(this.crypt.payload(this.batch.view(j)));
    if (first === undefined) {
      this.snmp.values[S.InErrs]!++;
      return undefined;
    }
    if (this.replay?.seenKey(this.keys[2 * j]!, this.keys[2 * j + 1]!)) {
      this.snmp.values[S.ReplayDrops]!++;
      return undefined;
    }
    return first;
  }

  /** Whether probed datagram `j` was refused by its checksum (or AEAD tag): what a wrong --key or --crypt looks like. */
  failedChecksum(j: number): boolean {
    return this.flags[j] === 0 && this.checked[j] === 1;
  }

  /** Probed datagram `j` opens a session: enter its key; returns the key's bytes (the session lets them through once). */
  enter(j: number, now: number): Uint8Array | undefined {
    if (!this.replay) return undefined;
    const lo = this.keys[2 * j]!;
    const hi = this.keys[2 * j + 1]!;
    if (lo === 0 && hi === 0) return undefined; // shorter than a key: decryption refused it anyway
    this.replay.admitKey(lo, hi, now);
    const key = new Uint8Array(KEY_BYTES);
    const view = new DataView(key.buffer);
    view.setUint32(0, lo, true);
    view.setUint32(4, hi, true);
    return key;
  }

  clear(): void {
    this.batch.clear();
    this.flags.fill(0);
  }

  dispose(): void {
    this.crypt.dispose();
    this.batch.dispose();
  }
}
