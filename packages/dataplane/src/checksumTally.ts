/**
 * Which addresses send datagrams that fail the checksum, for the server's hint (a mismatched
 * --key or --crypt on a client shows as exactly that: no session ever opens). Failures are
 * tallied per source for a period that starts with the first one; once it has passed, `due`
 * gives one line per named source and one for the rest, then a new period waits for the next
 * failure. Bounded: at most MAX_NAMED_SOURCES addresses are named, the rest only counted, and a
 * name is built only when a source is first named (a garbage flood allocates nothing per datagram).
 * Pure: time comes in as `now`.
 */
import type { PeerKey } from '@kcptunb/udp';

export const CHECKSUM_PERIOD_MS = 10_000;
export const MAX_NAMED_SOURCES = 8;

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export class ChecksumTally {
  private periodStart: number | undefined;
  private readonly named = new Map<PeerKey, { address: string; count: number }>();
  private others = 0;
  private readonly otherSources = new Set<PeerKey>();

  constructor(private readonly periodMs = CHECKSUM_PERIOD_MS) {}

  /** A datagram from `key` failed the checksum; `name` gives its address text (called once per named source). */
  note(key: PeerKey, now: number, name: () => string): void {
    this.periodStart ??= now;
    const entry = this.named.get(key);
    if (entry) entry.count++;
    else if (this.named.size < MAX_NAMED_SOURCES) this.named.set(key, { address: name(), count: 1 });
    else {
      this.others++;
      // counting distinct other sources is bounded too: beyond the cap only the datagrams are counted
      if (this.otherSources.size < 4 * MAX_NAMED_SOURCES) this.otherSources.add(key);
    }
  }

  /** The lines of a period that has ended by `now` (none while it runs, or when nothing failed). */
  due(now: number): string[] {
    if (this.periodStart === undefined || now - this.periodStart < this.periodMs) return [];
    const seconds = Math.round(this.periodMs / 1000);
    const advice = `failed the checksum in ${seconds} s: check --key and --crypt on both sides`;
    const lines = [...this.named.values()]
      .sort((a, b) => b.count - a.count)
      .map((e) => `${plural(e.count, 'datagram', 'datagrams')} from ${e.address} ${advice}`);
    if (this.others > 0) {
      const sources = this.otherSources.size >= 4 * MAX_NAMED_SOURCES ? `${this.otherSources.size}+` : String(this.otherSources.size);
      lines.push(`${plural(this.others, 'datagram', 'datagrams')} from ${sources} other addresses ${advice}`);
    }
    this.periodStart = undefined;
    this.named.clear();
    this.others = 0;
    this.otherSources.clear();
    return lines;
  }
}
