/**
 * The owners of the wire headers, on the known bytes of spec A.4: the crypto
 * prefix (crypt), the FEC header (fec), the KCP segment header (kcp), and the
 * server's first-datagram rule that chains them (dataplane).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CRYPT_HEADER_SIZE, cryptPayload, readPrefixCrc, writePrefixCrc } from '@kcptunb/crypt';
import { classifyPacket, dataShardKcp, kcpBytesOf, PacketKind } from '@kcptunb/fec';
import { CMD_ACK, CMD_PUSH, emptySegmentHeader, encodeHeader, isConversationStart, isKnownCommand, readSegmentHeader } from '@kcptunb/kcp';
import { convOfFirstDatagram } from '@kcptunb/dataplane/shell';
import { hex, toHex } from '../support/vectors.js';

/** Spec A.4 before encryption: nonce 00..0f, CRC, FEC data header (seqid 0, size 26), one KCP ACK. */
const PREFIX = '000102030405060708090a0b0c0d0e0f' + '333564b2';
const FEC_DATA = '00000000' + 'f100' + '1a00';
const KCP_ACK = '44332211' + '52' + '00' + '0002' + 'e8030000' + '05000000' + '06000000' + '00000000';
const datagram = () => hex(PREFIX + FEC_DATA + KCP_ACK);

test('crypt prefix: the payload starts after 20 bytes; the CRC sits little-endian at 16..19', () => {
  const d = datagram();
  assert.equal(CRYPT_HEADER_SIZE, 20);
  assert.equal(toHex(cryptPayload(d)), FEC_DATA + KCP_ACK);
  assert.equal(readPrefixCrc(d, 0), 0xb2643533);
  const out = new Uint8Array(24).fill(0xee);
  writePrefixCrc(out, 2, 0xb2643533);
  assert.equal(toHex(out.subarray(0, 2)), 'eeee', 'bytes before the datagram untouched');
  assert.equal(toHex(out.subarray(2 + 16, 2 + 20)), '333564b2');
  assert.equal(toHex(out.subarray(2, 2 + 16)), 'ee'.repeat(16), 'the nonce is not touched');
});

test('fec: data shards, parity and bare KCP are told apart; a data shard yields its KCP bytes', () => {
  const shard = cryptPayload(datagram());
  assert.equal(classifyPacket(shard), PacketKind.FEC_DATA);
  assert.equal(toHex(dataShardKcp(shard)!), KCP_ACK);
  assert.equal(toHex(kcpBytesOf(shard)!), KCP_ACK);

  const parity = hex('07000000' + 'f200' + 'abcdef');
  assert.equal(classifyPacket(parity), PacketKind.FEC_PARITY);
  assert.equal(kcpBytesOf(parity), undefined, 'parity carries no KCP bytes');

  const bare = hex(KCP_ACK);
  assert.equal(classifyPacket(bare), PacketKind.KCP, 'cmd 0x52 and frg 0 are not an FEC type');
  assert.equal(kcpBytesOf(bare), bare, 'a bare datagram is all KCP');

  const cut = hex('00000000' + 'f100' + '1a');
  assert.equal(classifyPacket(cut), PacketKind.FEC_DATA);
  assert.equal(dataShardKcp(cut), undefined, 'a data header cut short has no body');
  assert.equal(kcpBytesOf(cut), undefined);
});

test('kcp: readSegmentHeader decodes every field of spec A.4 and refuses fewer than 24 bytes', () => {
  const h = emptySegmentHeader();
  const shard = cryptPayload(datagram());
  assert.equal(readSegmentHeader(shard, 8, h), true);
  assert.deepEqual(h, { conv: 0x11223344, cmd: CMD_ACK, frg: 0, wnd: 512, ts: 1000, sn: 5, una: 6, len: 0 });
  assert.equal(readSegmentHeader(shard, 9, h), false, '23 bytes left');
  assert.equal(h.conv, 0x11223344, 'a refused read leaves the scratch alone');
});

test('kcp: readSegmentHeader is the inverse of encodeHeader for values at the field limits', () => {
  const bytes = new Uint8Array(3 + 24);
  encodeHeader(bytes, 3, 0xffffffff, CMD_PUSH, 0xff, 0xffff, 0x80000000, 0xfffffffe, 1, 0x12345678);
  const h = emptySegmentHeader();
  assert.equal(readSegmentHeader(bytes, 3, h), true);
  assert.deepEqual(h, { conv: 0xffffffff, cmd: CMD_PUSH, frg: 0xff, wnd: 0xffff, ts: 0x80000000, sn: 0xfffffffe, una: 1, len: 0x12345678 });
});

test('kcp: known commands are 81..84; a conversation starts with a PUSH of sn 0', () => {
  assert.deepEqual([80, 81, 82, 83, 84, 85].map(isKnownCommand), [false, true, true, true, true, false]);
  const h = emptySegmentHeader();
  h.cmd = CMD_PUSH;
  assert.equal(isConversationStart(h), true);
  h.sn = 1;
  assert.equal(isConversationStart(h), false, 'a later PUSH');
  h.sn = 0;
  h.cmd = CMD_ACK;
  assert.equal(isConversationStart(h), false, 'an ACK of sn 0');
});

test('first datagram: the conv of a data shard or a bare datagram; never from parity, short or unknown commands', () => {
  assert.equal(convOfFirstDatagram(cryptPayload(datagram())), 0x11223344);
  assert.equal(convOfFirstDatagram(hex(KCP_ACK)), 0x11223344);
  assert.equal(convOfFirstDatagram(hex('07000000' + 'f200' + KCP_ACK)), undefined, 'parity');
  assert.equal(convOfFirstDatagram(hex(FEC_DATA + KCP_ACK.slice(0, -2))), undefined, '23 KCP bytes');
  assert.equal(convOfFirstDatagram(hex(KCP_ACK.replace('4433221152', '4433221155'))), undefined, 'cmd 0x55');
});
