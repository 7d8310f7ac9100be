/** Each layer's settings check: in range passes unchanged, out of range is a typed error naming the field. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveKey, InvalidKeyError, UnknownCipherError, verifyCryptSettings } from '@kcptunb/crypt';
import { InvalidSocketSettingsError, verifySocketSettings } from '@kcptunb/dataplane';
import { InvalidFecSettingsError, verifyFecSettings } from '@kcptunb/fec';
import { applyMode, DEFAULT_KCP_CONFIG, InvalidKcpConfigError, verifyKcpSettings, type KcpSettings } from '@kcptunb/kcp';

const kcp: KcpSettings = { mtu: 1350, sndWnd: 128, rcvWnd: 512, nodelay: 0, interval: 30, resend: 2, nc: 1, ackNoDelay: false };

const fieldIs = (cls: new (...a: never[]) => Error & { field: string }, field: string) => (e: unknown) => e instanceof cls && e.field === field;

test('verifyKcpSettings', () => {
  assert.equal(verifyKcpSettings(kcp), kcp);
  const cases: Array<[Partial<KcpSettings>, keyof KcpSettings]> = [
    [{ mtu: 49 }, 'mtu'],
    [{ mtu: 1501 }, 'mtu'],
    [{ sndWnd: 0 }, 'sndWnd'],
    [{ rcvWnd: 65536 }, 'rcvWnd'],
    [{ nodelay: 3 }, 'nodelay'],
    [{ interval: -1 }, 'interval'],
    [{ resend: 1.5 }, 'resend'],
    [{ nc: 2 }, 'nc'],
  ];
  for (const [patch, field] of cases) assert.throws(() => verifyKcpSettings({ ...kcp, ...patch }), fieldIs(InvalidKcpConfigError, field), field);
  // settings carry no `reserved`: the packet layers decide it
  assert.deepEqual(Object.keys(verifyKcpSettings(kcp)).sort(), Object.keys(DEFAULT_KCP_CONFIG).filter((k) => k !== 'reserved').sort());
});

test('applyMode: named profiles replace the manual values, manual keeps them', () => {
  const manual = { ...kcp, nodelay: 1, interval: 15, resend: 0, nc: 0 };
  assert.deepEqual(applyMode(manual, 'fast3'), { ...manual, nodelay: 1, interval: 10, resend: 2, nc: 1 });
  assert.deepEqual(applyMode(manual, 'normal'), { ...manual, nodelay: 0, interval: 40, resend: 2, nc: 1 });
  assert.deepEqual(applyMode(manual, 'manual'), manual);
});

test('verifyFecSettings', () => {
  for (const ok of [{ dataShards: 10, parityShards: 3 }, { dataShards: 0, parityShards: 0 }, { dataShards: 128, parityShards: 128 }]) assert.equal(verifyFecSettings(ok), ok);
  assert.throws(() => verifyFecSettings({ dataShards: 300, parityShards: 3 }), fieldIs(InvalidFecSettingsError, 'dataShards'));
  assert.throws(() => verifyFecSettings({ dataShards: 10, parityShards: -1 }), fieldIs(InvalidFecSettingsError, 'parityShards'));
  assert.throws(() => verifyFecSettings({ dataShards: 200, parityShards: 57 }), fieldIs(InvalidFecSettingsError, 'parityShards'));
});

test('verifyCryptSettings', () => {
  const key = deriveKey('k');
  assert.equal(verifyCryptSettings({ method: 'sm4', key }).method, 'sm4');
  assert.throws(() => verifyCryptSettings({ method: 'rot13', key }), (e: unknown) => e instanceof UnknownCipherError && e.cipherName === 'rot13');
  assert.throws(() => verifyCryptSettings({ method: 'aes', key: key.subarray(0, 16) }), (e: unknown) => e instanceof InvalidKeyError && e.actual === 16);
  assert.throws(() => verifyCryptSettings({ method: 'none', key: new Uint8Array(33) }), InvalidKeyError);
});

test('verifySocketSettings', () => {
  const ok = { sockBuf: 4194304, dscp: 46 };
  assert.equal(verifySocketSettings(ok), ok);
  assert.throws(() => verifySocketSettings({ ...ok, sockBuf: 0 }), fieldIs(InvalidSocketSettingsError, 'sockBuf'));
  assert.throws(() => verifySocketSettings({ ...ok, sockBuf: 2 ** 31 }), fieldIs(InvalidSocketSettingsError, 'sockBuf'));
  assert.throws(() => verifySocketSettings({ ...ok, dscp: 64 }), fieldIs(InvalidSocketSettingsError, 'dscp'));
});
