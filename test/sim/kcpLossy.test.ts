/**
 * KCP alone on the deterministic lossy simulator: both directions stream at
 * once through 10/20/30% loss and 200 ms RTT in every profile (as kcp-go's
 * lossy tests do), and every byte must arrive intact and in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMode, DEFAULT_KCP_CONFIG, type KcpConfig } from '@kcptunb/kcp';
import { KcpEndpoint } from '../support/kcpEndpoint.js';
import { LossyLink, type LinkProfile } from '../support/lossyLink.js';
import { Rng } from '../support/random.js';
import { runSimulation } from '../support/simulation.js';

const MiB = 1024 * 1024;
/** 64 MiB each way in CI; KCPTUNB_SIM_MIB shrinks it for quick local runs. */
const VOLUME = Number(process.env.KCPTUNB_SIM_MIB ?? 64) * MiB;

function pair(config: KcpConfig, profile: LinkProfile, seed: number, bytes: number) {
  const rng = new Rng(seed);
  const aToB = new LossyLink(profile, rng);
  const bToA = new LossyLink(profile, rng);
  const a = new KcpEndpoint({ conv: 0x11223344, config, link: aToB, sendBytes: bytes, seed: seed + 1 });
  const b = new KcpEndpoint({ conv: 0x11223344, config, link: bToA, sendBytes: bytes, seed: seed + 2 });
  return { a, b, aToB, bToA };
}

for (const mode of ['normal', 'fast', 'fast2', 'fast3']) {
  for (const loss of [0.1, 0.2, 0.3]) {
    test(`KCP ${mode}, ${loss * 100}% loss, 200 ms RTT: ${VOLUME / MiB} MiB each way arrive intact`, () => {
      const config = applyMode({ ...DEFAULT_KCP_CONFIG, reserved: 0, sndWnd: 1024, rcvWnd: 1024 }, mode);
      const { a, b, aToB, bToA } = pair(config, { loss, delayMs: 100, jitterMs: 0 }, Math.round(loss * 1000) + mode.length, VOLUME);
      const r = runSimulation(a, b, aToB, bToA, {
        done: () => a.received === VOLUME && b.received === VOLUME,
        maxVirtualMs: 4 * 3600_000,
      });
      assert.ok(r.finished, `finished (virtual ${r.virtualMs} ms, a got ${a.received}, b got ${b.received})`);
      assert.equal(b.receivedDigest(), a.sentDigest());
      assert.equal(a.receivedDigest(), b.sentDigest());
      const lossSeen = aToB.stats.dropped / aToB.stats.sent;
      assert.ok(Math.abs(lossSeen - loss) < 0.02, `link dropped ${lossSeen}`);
      assert.ok(a.kcp.snmp.get('RetransSegs') > 0);
    });
  }
}
