/**
 * A minimal reader of KCP segment headers (docs/protocol.md §3.1) for tests that inspect
 * captured traffic; the real KCP core lives in packages/kcp.
 */
export interface SegmentView {
  conv: number;
  cmd: number;
  frg: number;
  wnd: number;
  ts: number;
  sn: number;
  una: number;
  payload: Uint8Array;
}

export function parseSegments(kcp: Uint8Array): SegmentView[] {
  const out: SegmentView[] = [];
  const dv = new DataView(kcp.buffer, kcp.byteOffset, kcp.byteLength);
  let at = 0;
  while (kcp.length - at >= 24) {
    const len = dv.getUint32(at + 20, true);
    if (at + 24 + len > kcp.length) throw new Error(`segment at ${at} claims ${len} bytes, ${kcp.length - at - 24} left`);
    out.push({
      conv: dv.getUint32(at, true),
      cmd: kcp[at + 4]!,
      frg: kcp[at + 5]!,
      wnd: dv.getUint16(at + 6, true),
      ts: dv.getUint32(at + 8, true),
      sn: dv.getUint32(at + 12, true),
      una: dv.getUint32(at + 16, true),
      payload: kcp.subarray(at + 24, at + 24 + len),
    });
    at += 24 + len;
  }
  if (at !== kcp.length) throw new Error(`${kcp.length - at} trailing bytes after the last segment`);
  return out;
}
