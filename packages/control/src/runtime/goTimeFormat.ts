/**
 * Go's time.Format layout language (reference time Mon Jan 2 15:04:05 MST 2006),
 * for `--snmplog ./snmp-20060102.log` file names (docs/protocol.md §7.6). Covers the layout
 * elements of Go's `time` package; text between elements is copied as is.
 */

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const pad = (n: number, w: number) => String(n).padStart(w, '0');

function zone(d: Date, colon: boolean, seconds: boolean, zulu: boolean, hoursOnly = false): string {
  const off = -d.getTimezoneOffset();
  if (zulu && off === 0) return 'Z';
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  const hh = pad(Math.floor(a / 60), 2);
  const mm = pad(a % 60, 2);
  if (hoursOnly) return sign + hh;
  return sign + hh + (colon ? ':' : '') + mm + (seconds ? (colon ? ':00' : '00') : '');
}

type Element = [string, (d: Date) => string];

/** Longest first where one element is a prefix of another (Go's matching order). */
const ELEMENTS: Element[] = [
  ['January', (d) => MONTHS[d.getMonth()]!],
  ['Jan', (d) => MONTHS[d.getMonth()]!.slice(0, 3)],
  ['Monday', (d) => DAYS[d.getDay()]!],
  ['Mon', (d) => DAYS[d.getDay()]!.slice(0, 3)],
  ['MST', (d) => (d.getTimezoneOffset() === 0 ? 'UTC' : zone(d, false, false, false))],
  ['2006', (d) => pad(d.getFullYear(), 4)],
  ['-07:00:00', (d) => zone(d, true, true, false)],
  ['-070000', (d) => zone(d, false, true, false)],
  ['-07:00', (d) => zone(d, true, false, false)],
  ['-0700', (d) => zone(d, false, false, false)],
  ['-07', (d) => zone(d, false, false, false, true)],
  ['Z07:00:00', (d) => zone(d, true, true, true)],
  ['Z070000', (d) => zone(d, false, true, true)],
  ['Z07:00', (d) => zone(d, true, false, true)],
  ['Z0700', (d) => zone(d, false, false, true)],
  ['Z07', (d) => zone(d, false, false, true, true)],
  ['002', (d) => pad(dayOfYear(d), 3)],
  ['__2', (d) => String(dayOfYear(d)).padStart(3, ' ')],
  ['01', (d) => pad(d.getMonth() + 1, 2)],
  ['02', (d) => pad(d.getDate(), 2)],
  ['03', (d) => pad(hour12(d), 2)],
  ['04', (d) => pad(d.getMinutes(), 2)],
  ['05', (d) => pad(d.getSeconds(), 2)],
  ['06', (d) => pad(d.getFullYear() % 100, 2)],
  ['_2', (d) => String(d.getDate()).padStart(2, ' ')],
  ['15', (d) => pad(d.getHours(), 2)],
  ['PM', (d) => (d.getHours() >= 12 ? 'PM' : 'AM')],
  ['pm', (d) => (d.getHours() >= 12 ? 'pm' : 'am')],
  ['.000000000', (d) => '.' + pad(d.getMilliseconds(), 3) + '000000'],
  ['.000000', (d) => '.' + pad(d.getMilliseconds(), 3) + '000'],
  ['.000', (d) => '.' + pad(d.getMilliseconds(), 3)],
  ['1', (d) => String(d.getMonth() + 1)],
  ['2', (d) => String(d.getDate())],
  ['3', (d) => String(hour12(d))],
  ['4', (d) => String(d.getMinutes())],
  ['5', (d) => String(d.getSeconds())],
];

function hour12(d: Date): number {
  const h = d.getHours() % 12;
  return h === 0 ? 12 : h;
}

function dayOfYear(d: Date): number {
  return Math.floor((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(d.getFullYear(), 0, 1)) / 86_400_000) + 1;
}

export function formatGoTime(layout: string, d: Date): string {
  let out = '';
  let i = 0;
  outer: while (i < layout.length) {
    for (const [token, render] of ELEMENTS) {
      if (layout.startsWith(token, i)) {
        // Go: "Jan"/"Mon" only when not followed by a lower-case letter ("January" is matched first)
        if ((token === 'Jan' || token === 'Mon') && /[a-z]/.test(layout[i + 3] ?? '')) continue;
        out += render(d);
        i += token.length;
        continue outer;
      }
    }
    out += layout[i];
    i++;
  }
  return out;
}
