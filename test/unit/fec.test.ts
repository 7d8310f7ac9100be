import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DatagramBatch, loadKernels } from '@kcptunb/wasm';
import {
  FEC_TYPE_DATA,
  FEC_TYPE_PARITY,
  FecDecoder,
  FecEncoder,
  InvalidShardCountError,
  isFecPacket,
  readSeqid,
  readType,
  seqidWrap,
} from '@kcptunb/fec';
import { createDatagramCipher, deriveKey, PacketCrypt } from '@kcptunb/crypt';
import { Snmp } from '@kcptunb/snmp';
import { Rng, runSeed } from '../support/random.js';

const kernels = loadKernels();

/** Run payloads through an encoder; return the datagrams (bytes after the 20-byte prefix). */
function encodeAll(encoder: FecEncoder, payloads: Uint8Array[]): Uint8Array[] {
  const batch = new DatagramBatch(kernels, 1 + encoder.parityShards);
  const out: Uint8Array[] = [];
  for (const p of payloads) {
    batch.clear();
    encoder.encode(batch, p);
    for (let i = 0; i < batch.count; i++) out.push(batch.view(i).slice(20));
  }
  batch.dispose();
  return out;
}

/** A fake KCP datagram: distinct (index `i` up front), of length `len`, seeded bytes after the index. */
function kcpPayload(i: number, len: number, rng: Rng = new Rng(i + 1)): Uint8Array {
  const p = rng.fill(new Uint8Array(len));
  new DataView(p.buffer).setUint32(0, i, true);
  return p;
}

test('encoder: seqids count data and parity, size counts itself, parity is as long as the longest data shard', () => {
  const enc = new FecEncoder(kernels, 4, 2);
  const lens = [30, 200, 24, 100, 50, 60, 70, 80];
  const out = encodeAll(enc, lens.map((l, i) => kcpPayload(i, l)));
  assert.equal(out.length, 8 + 4); // two groups, each 4 data + 2 parity
  out.forEach((d, i) => assert.equal(readSeqid(d), i));
  const types = out.map((d) => readType(d));
  assert.deepEqual(types, [0xf1, 0xf1, 0xf1, 0xf1, 0xf2, 0xf2, 0xf1, 0xf1, 0xf1, 0xf1, 0xf2, 0xf2]);
  assert.equal(out[0]![6]! | (out[0]![7]! << 8), 32, 'size = 2 + KCP bytes');
  assert.equal(out[4]!.length, 8 + 200, 'first group parity: longest datagram (8-byte header + 200)');
  assert.equal(out[4]!.length - 6, out[1]!.length - 6);
  assert.equal(out[10]!.length, 8 + 80, 'second group parity: longest is 80');
  enc.dispose();
});

test('encoder: seqid wrap keeps groups aligned (kcptunB and stock rules)', () => {
  for (const wrap of ['kcptunB', 'stock'] as const) {
    const n = 13;
    const P = seqidWrap(n, wrap);
    assert.equal(P % n, 0);
    assert.ok(P <= 0xffffffff);
    const enc = new FecEncoder(kernels, 10, 3, { wrap, firstSeqid: P - n });
    const out = encodeAll(enc, Array.from({ length: 20 }, (_, i) => kcpPayload(i, 40)));
    const seqids = out.map((d) => readSeqid(d));
    assert.equal(seqids[0], P - n);
    assert.equal(seqids[12], P - 1);
    assert.equal(seqids[13], 0, 'the shard after the last parity of the last group is 0');
    enc.dispose();
  }
  // kcp-go's values for 10+3 shards: 5.6.1 (stock) 4294967287, 5.1.3 (kcptunB) one group lower
  assert.equal(seqidWrap(13, 'stock'), 4294967287);
  assert.equal(seqidWrap(13, 'kcptunB'), 4294967274);
  assert.equal(seqidWrap(3, 'stock'), 0xffffffff, '2^32 − 1 is itself a multiple of 3');
  // every group size: stock wraps at the largest multiple of n that is at most 2^32 − 1, kcptunB one group before
  for (let n = 2; n <= 256; n++) {
    const stock = seqidWrap(n, 'stock');
    assert.equal(stock % n, 0, `n ${n}`);
    assert.ok(stock <= 0xffffffff && stock + n > 0xffffffff, `n ${n}: ${stock}`);
    assert.equal(seqidWrap(n, 'kcptunB'), stock - n, `n ${n}`);
  }
});

test('decoder: data shards are delivered at once as regular input, in arrival order', () => {
  const enc = new FecEncoder(kernels, 3, 2);
  const dec = new FecDecoder(kernels, 3, 2);
  const payloads = Array.from({ length: 7 }, (_, i) => kcpPayload(i, 30 + i));
  const got: Array<[string, boolean]> = [];
  for (const d of encodeAll(enc, payloads)) dec.input(d, (k, regular) => got.push([Buffer.from(k).toString('hex'), regular]));
  assert.deepEqual(
    got,
    payloads.map((p) => [Buffer.from(p).toString('hex'), true]),
  );
  assert.equal(dec.snmp.get('FECParityShards'), 4);
  assert.equal(dec.snmp.get('FECRecovered'), 0);
  enc.dispose();
  dec.dispose();
});

test('property: any ≤ ps losses per group are recovered, and recovered shards are marked non-regular', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 0, max: 2 ** 31 }),
      (ds, ps, groups, seed) => {
        const n = ds + ps;
        const enc = new FecEncoder(kernels, ds, ps);
        const dec = new FecDecoder(kernels, ds, ps);
        const rng = new Rng(seed);
        const next = () => rng.u32();
        const payloads = Array.from({ length: ds * groups }, (_, i) => kcpPayload(i, 24 + (next() % 1200), rng));
        const datagrams = encodeAll(enc, payloads);
        const delivered = new Map<string, boolean>();
        let lost = 0;
        for (let g = 0; g < groups; g++) {
          // drop `k ≤ ps` random shards of this group
          const k = next() % (ps + 1);
          const drop = new Set<number>();
          while (drop.size < k) drop.add(next() % n);
          for (let i = 0; i < n; i++) {
            if (drop.has(i)) {
              if (i < ds) lost++;
              continue;
            }
            dec.input(datagrams[g * n + i]!, (kcp, regular) => {
              const key = Buffer.from(kcp).toString('hex');
              if (!delivered.has(key)) delivered.set(key, regular);
            });
          }
        }
        for (const p of payloads) assert.ok(delivered.has(Buffer.from(p).toString('hex')), 'every payload arrives');
        const recovered = [...delivered.values()].filter((r) => !r).length;
        assert.equal(recovered, lost);
        assert.equal(dec.snmp.get('FECRecovered'), lost);
        assert.equal(dec.snmp.get('FECErrs'), 0);
        enc.dispose();
        dec.dispose();
      },
    ),
    { numRuns: 60, seed: runSeed('fec recovery property (fast-check seed)') },
  );
});

test('decoder: reordered and duplicated shards still recover; the queue stays bounded at 3n', () => {
  const ds = 10;
  const ps = 3;
  const n = ds + ps;
  const enc = new FecEncoder(kernels, ds, ps);
  const dec = new FecDecoder(kernels, ds, ps);
  const payloads = Array.from({ length: ds * 40 }, (_, i) => kcpPayload(i, 100 + (i % 900)));
  const datagrams = encodeAll(enc, payloads);
  // shuffle within windows of 2 groups, duplicate every 7th, lose every group's shard 0 and 5
  const order: Uint8Array[] = [];
  for (let w = 0; w < datagrams.length; w += 2 * n) {
    const win = datagrams.slice(w, w + 2 * n).filter((d) => ![0, 5].includes(readSeqid(d) % n));
    for (let i = win.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [win[i], win[j]] = [win[j]!, win[i]!];
    }
    win.forEach((d, i) => {
      order.push(d);
      if (i % 7 === 0) order.push(d);
    });
  }
  const seen = new Set<string>();
  let maxPending = 0;
  for (const d of order) {
    dec.input(d, (kcp) => seen.add(Buffer.from(kcp).toString('hex')));
    maxPending = Math.max(maxPending, dec.pending);
  }
  for (const p of payloads) assert.ok(seen.has(Buffer.from(p).toString('hex')));
  assert.ok(dec.snmp.get("FECRecovered") >= 80, "every lost shard recovered (a shard still in flight may be rebuilt too)");
  assert.ok(maxPending <= 3 * n, `pending ${maxPending} ≤ ${3 * n}`);
  enc.dispose();
  dec.dispose();
});

test('decoder: unrecoverable groups are evicted oldest first and counted as FECShortShards', () => {
  const ds = 4;
  const ps = 1;
  const n = ds + ps;
  const enc = new FecEncoder(kernels, ds, ps);
  const dec = new FecDecoder(kernels, ds, ps);
  const payloads = Array.from({ length: ds * 6 }, (_, i) => kcpPayload(i, 50));
  const datagrams = encodeAll(enc, payloads);
  const shard = (group: number, index: number) => datagrams[group * n + index]!;
  // groups 0..5, each missing data shards 0 and 1 (3 of 5 kept: one short of recovery): 18 shards, room for 3n = 15
  for (let g = 0; g < 6; g++) for (const i of [2, 3, 4]) dec.input(shard(g, i), () => {});
  assert.equal(dec.pending, 15);
  assert.equal(dec.snmp.get('FECShortShards'), 2, "group 0's two data shards went (its parity is not counted)");
  // shard 0 of each group, newest first: groups 5..2 are whole and recover shard 1; the first input
  // finds the decoder full and evicts the oldest kept shard (group 1's shard 2), so group 1 cannot;
  // group 0 was evicted entirely
  const recovered: number[] = [];
  for (let g = 5; g >= 0; g--) {
    dec.input(shard(g, 0), (kcp, regular) => {
      if (!regular) recovered.push(new DataView(kcp.buffer, kcp.byteOffset).getUint32(0, true));
    });
  }
  assert.deepEqual(recovered, [5 * ds + 1, 4 * ds + 1, 3 * ds + 1, 2 * ds + 1], 'shard 1 of groups 5, 4, 3, 2');
  assert.equal(dec.snmp.get('FECRecovered'), 4);
  assert.equal(dec.snmp.get('FECShortShards'), 3);
  assert.ok(dec.pending <= 3 * n);
  enc.dispose();
  dec.dispose();
});

test('per-datagram FEC detection: F1/F2 at offset 4 is FEC, a raw KCP segment is not', () => {
  const fec = new Uint8Array([0, 0, 0, 0, 0xf1, 0, 10, 0]);
  const parity = new Uint8Array([0, 0, 0, 0, 0xf2, 0]);
  const kcp = new Uint8Array(24);
  for (const cmd of [81, 82, 83, 84]) {
    kcp[4] = cmd;
    assert.equal(isFecPacket(kcp), false);
  }
  assert.equal(isFecPacket(fec), true);
  assert.equal(isFecPacket(parity), true);
  assert.equal(isFecPacket(new Uint8Array(5)), false);
});

test('bad parameters are typed errors at construction', () => {
  for (const [ds, ps] of [[0, 3], [10, 0], [-1, 2], [200, 57], [1.5, 2]] as const) {
    assert.throws(() => new FecEncoder(kernels, ds, ps), InvalidShardCountError, `${ds}/${ps}`);
    assert.throws(() => new FecDecoder(kernels, ds, ps), InvalidShardCountError, `${ds}/${ps}`);
  }
  const big = new FecEncoder(kernels, 128, 128);
  big.dispose();
});

test('fuzz: 100k random and mutated datagrams through crypt + FEC decode never throw', () => {
  const pass = deriveKey('fuzz');
  const snmp = new Snmp();
  const sealer = new PacketCrypt(kernels, createDatagramCipher(kernels, 'none', pass));
  const opener = new PacketCrypt(kernels, createDatagramCipher(kernels, 'none', pass), { snmp, minLength: 52 });
  const enc = new FecEncoder(kernels, 10, 3);
  const dec = new FecDecoder(kernels, 10, 3, snmp);
  const valid = encodeAll(enc, Array.from({ length: 200 }, (_, i) => kcpPayload(i, 24 + ((i * 37) % 1200))));
  const rng = new Rng(42);
  const next = () => rng.u32();
  const batch = new DatagramBatch(kernels, 64);
  let delivered = 0;
  const total = 100_000;
  for (let done = 0; done < total; ) {
    batch.clear();
    const plain: Uint8Array[] = [];
    for (let i = 0; i < 64 && done < total; i++, done++) {
      let d: Uint8Array;
      const mode = next() % 4;
      if (mode === 0) {
        d = rng.fill(new Uint8Array(next() % 1501));
      } else {
        // a valid FEC packet (behind a real prefix), then mutated
        const base = valid[next() % valid.length]!;
        d = new Uint8Array(20 + base.length);
        d.set(base, 20);
        const flips = 1 + (next() % 4);
        for (let f = 0; f < flips; f++) d[20 + (next() % base.length)]! ^= 1 << next() % 8;
        if (mode === 2) d = d.subarray(0, next() % (d.length + 1));
        if (mode === 3) {
          // absurd size fields and types, seqids anywhere
          const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
          if (d.length >= 28) {
            v.setUint16(26, next() & 0xffff, true);
            v.setUint32(20, next(), true);
            v.setUint16(24, [0xf1, 0xf2, next() & 0xffff][next() % 3]!, true);
          }
        }
      }
      plain.push(d);
      batch.push(d);
    }
    sealer.seal(batch); // valid prefix for the mutated ones, so they reach the FEC decoder
    const ok = opener.open(batch);
    for (let i = 0; i < batch.count; i++) {
      if (!ok[i]) continue;
      const p = batch.view(i).subarray(20);
      if (isFecPacket(p)) dec.input(p, () => delivered++);
    }
  }
  assert.ok(delivered > 0);
  assert.ok(snmp.get('FECErrs') + snmp.get('InErrs') > 0, 'malformed input was counted');
  assert.ok(dec.pending <= 39);
  batch.dispose();
  enc.dispose();
  dec.dispose();
  sealer.dispose();
  opener.dispose();
});
