/** Access to the known-answer data in ../shared/vectors (generated from the Go code). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (test/dist/support → ../../..). */
export const REPO_ROOT = resolve(here, '../../..');

/** ../shared next to the checkout, or $KCPTUNB_SHARED. */
export function sharedDir(): string {
  const dir = process.env.KCPTUNB_SHARED ?? resolve(REPO_ROOT, '../shared');
  if (!existsSync(join(dir, 'vectors'))) throw new Error(`shared vectors not found at ${dir} (set KCPTUNB_SHARED)`);
  return dir;
}

export function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** `ciphers.txt`: name → ciphertext of the 64-byte plaintext, plus the key. */
export function cipherVectors(): { key: Uint8Array; plaintext: Uint8Array; ciphertexts: Map<string, Uint8Array> } {
  const text = readFileSync(join(sharedDir(), 'vectors/ciphers.txt'), 'utf8');
  const ciphertexts = new Map<string, Uint8Array>();
  let key: Uint8Array | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const [name, value] = line.trim().split(/\s+/);
    if (name === 'key') key = hex(value!);
    else ciphertexts.set(name!, hex(value!));
  }
  if (!key) throw new Error('ciphers.txt has no key line');
  const plaintext = Uint8Array.from({ length: 64 }, (_, i) => (i * 5 + 7) & 0xff);
  return { key, plaintext, ciphertexts };
}

/** `reedsolomon-10-3.txt`: the 10 data shards (per its formula) and the 3 expected parity shards. */
export function reedSolomonVector(): { data: Uint8Array[]; parity: Uint8Array[] } {
  const text = readFileSync(join(sharedDir(), 'vectors/reedsolomon-10-3.txt'), 'utf8');
  const parity = text
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => hex(l.trim()));
  const data = Array.from({ length: 10 }, (_, s) => Uint8Array.from({ length: 1350 }, (_, i) => ((((s * 1350 + i) * 7 + 3) ^ (i >> 3)) & 0xff)));
  return { data, parity };
}
