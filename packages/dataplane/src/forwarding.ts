/**
 * Server sessions on other shards when Node cannot share the UDP port
 * (Node < 22.12: no SO_REUSEPORT). The listening shard keeps the socket and,
 * per other shard, a pair of datagram rings:
 *
 *   listener ──ingress [id u32][datagram]──▶ owner shard (KCP session)
 *   listener ◀──egress [id u32][datagram]── owner shard
 *
 * The listener demultiplexes by address and sends everything on its one
 * socket, so clients keep seeing replies from the address they dialled; the
 * crypto, FEC, KCP and snappy work runs on the owner shard.
 *
 * A full ring drops the datagram (UDP semantics; KCP recovers). Drops on the
 * way in count as InErrs, like any received datagram the tunnel could not
 * process; a reply dropped on the way out is taken back out of OutPkts and
 * OutBytes, which count what reached the socket (kcp-go counts them after the
 * write). kcptun's 24 SNMP columns have no forwarding counter to add.
 */
import { RingConsumer, RingProducer } from '@kcptunb/ring';
import { S, Snmp } from '@kcptunb/snmp';

const ID_BYTES = 4;

export interface ForwardRings {
  /** listener → owner */
  ingress: SharedArrayBuffer;
  /** owner → listener */
  egress: SharedArrayBuffer;
}

function idHeader(id: number): Uint8Array {
  const h = new Uint8Array(ID_BYTES);
  new DataView(h.buffer).setUint32(0, id, true);
  return h;
}

function readId(record: Uint8Array): number {
  return new DataView(record.buffer, record.byteOffset, ID_BYTES).getUint32(0, true);
}

/** Runs a consumer until it is closed: drain in batches, sleep on the doorbell when empty. */
function consume(consumer: RingConsumer, onRecord: (record: Uint8Array) => void): void {
  const loop = async () => {
    while (!consumer.closed) {
      if (consumer.drain(onRecord, 256) > 0) continue;
      if (consumer.closedByProducer) return;
      await consumer.waitForData();
    }
  };
  void loop();
}

/** The listener's side of one owner shard. */
export class ForwardLink {
  private readonly ingress: RingProducer;
  private readonly egress: RingConsumer;

  /** `counters`: the listener shard's. */
  constructor(readonly owner: number, rings: ForwardRings, send: (id: number, datagram: Uint8Array) => void, private readonly counters: Snmp) {
    this.ingress = new RingProducer(rings.ingress);
    this.egress = new RingConsumer(rings.egress);
    consume(this.egress, (r) => send(readId(r), r.subarray(ID_BYTES)));
  }

  forward(id: number, datagram: Uint8Array): void {
    if (!this.ingress.tryPushv([idHeader(id), datagram])) this.counters.values[S.InErrs]!++;
  }

  close(): void {
    this.ingress.close();
    this.egress.close();
  }
}

/** The owner shard's side: datagrams in for its adopted sessions, datagrams out to the listener. */
export class ForwardedSessions {
  private readonly ingress: RingConsumer;
  private readonly egress: RingProducer;
  /** Datagrams for sessions not adopted yet (the adopt message travels through the host). */
  private readonly early = new Map<number, Uint8Array[]>();

  /** `counters`: the owner shard's, where its sessions count OutPkts. */
  constructor(
    rings: ForwardRings,
    private readonly deliver: (id: number, datagram: Uint8Array) => boolean,
    /** The owner shard's counters. */
    private readonly counters: Snmp,
  ) {
    this.ingress = new RingConsumer(rings.ingress);
    this.egress = new RingProducer(rings.egress);
    consume(
      this.ingress,
      (r) => {
        const id = readId(r);
        const datagram = r.subarray(ID_BYTES);
        if (this.deliver(id, datagram)) return;
        const queue = this.early.get(id) ?? [];
        if (queue.length < 64 && this.early.size < 1024) {
          queue.push(datagram.slice());
          this.early.set(id, queue);
        } else this.counters.values[S.InErrs]!++;
      },
    );
  }

  /** Datagrams that arrived before the session `id` was adopted. */
  takeEarly(id: number): Uint8Array[] {
    const q = this.early.get(id) ?? [];
    this.early.delete(id);
    return q;
  }

  transmit(id: number, datagram: Uint8Array): void {
    if (this.egress.tryPushv([idHeader(id), datagram])) return;
    const values = this.counters.values;
    values[S.OutPkts]!--;
    values[S.OutBytes]! -= datagram.length;
  }

  close(): void {
    this.ingress.close();
    this.egress.close();
  }
}
