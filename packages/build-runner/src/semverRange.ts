/**
 * Just enough of npm's semver ranges to pick a Node.js version: whether a
 * range (`>=18`, `^20.11 || 22.x`, `18 - 20`, `~20.5.1`) contains a version,
 * and whether it admits any version of a major. The build program has no
 * dependencies (Node runs its source as it is), so this is not the semver
 * package; its tests check it against that package. Prerelease tags are
 * ignored: Node.js releases have none.
 */

type Version = [number, number, number];
type Bound = { v: Version; inclusive: boolean };
/** Versions between `lo` and `hi`; `hi` undefined: no upper bound. */
type Interval = { lo: Bound; hi?: Bound };

/** A parsed range: the union of its `||` alternatives. */
export type SemverRange = Interval[];

const ZERO: Version = [0, 0, 0];

function cmp(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** A version with wildcards or missing parts: `20`, `20.x`, `v20.11.1`, `*`. */
type Partial = { parts: number[] } | null;

const PARTIAL_RE =
  /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

function parsePartial(text: string): Partial | undefined {
  if (text === '' || text === '*' || /^[xX]$/.test(text)) return null;
  const m = PARTIAL_RE.exec(text);
  if (!m) return undefined;
  const parts: number[] = [];
  for (const p of m.slice(1)) {
    if (p === undefined || /^[xX*]$/.test(p)) break;
    parts.push(Number(p));
  }
  return parts.length ? { parts } : null;
}

/** The lowest version a partial names (`20.1` → 20.1.0). */
const floor = (parts: number[]): Version => [
  parts[0] ?? 0,
  parts[1] ?? 0,
  parts[2] ?? 0,
];

/** The first version past a partial (`20` → 21.0.0, `20.1` → 20.2.0). */
function ceiling(parts: number[]): Version {
  if (parts.length >= 3) return [parts[0], parts[1], parts[2] + 1];
  if (parts.length === 2) return [parts[0], parts[1] + 1, 0];
  return [parts[0] + 1, 0, 0];
}

const all = (): Interval => ({ lo: { v: ZERO, inclusive: true } });

/** One comparator (`>=20`, `^18.2`, `20.x`) as an interval. */
function comparator(text: string): Interval | undefined {
  const m = /^(<=|>=|<|>|=|\^|~>?)?\s*(.*)$/.exec(text)!;
  const op = m[1] ?? '';
  const partial = parsePartial(m[2]);
  if (partial === undefined) return undefined;
  if (partial === null) {
    // `*`, `>=*`: everything; `<*`, `>*`: nothing.
    return op === '<' || op === '>'
      ? { lo: { v: ZERO, inclusive: false }, hi: { v: ZERO, inclusive: false } }
      : all();
  }
  const { parts } = partial;
  const lo = floor(parts);
  switch (op) {
    case '':
    case '=':
      return parts.length === 3
        ? { lo: { v: lo, inclusive: true }, hi: { v: lo, inclusive: true } }
        : {
            lo: { v: lo, inclusive: true },
            hi: { v: ceiling(parts), inclusive: false },
          };
    case '>=':
      return { lo: { v: lo, inclusive: true } };
    case '>':
      return parts.length === 3
        ? { lo: { v: lo, inclusive: false } }
        : { lo: { v: ceiling(parts), inclusive: true } };
    case '<':
      return {
        lo: { v: ZERO, inclusive: true },
        hi: { v: lo, inclusive: false },
      };
    case '<=':
      return parts.length === 3
        ? { lo: { v: ZERO, inclusive: true }, hi: { v: lo, inclusive: true } }
        : {
            lo: { v: ZERO, inclusive: true },
            hi: { v: ceiling(parts), inclusive: false },
          };
    case '~':
    case '~>':
      return {
        lo: { v: lo, inclusive: true },
        hi: {
          v: ceiling(parts.slice(0, Math.min(parts.length, 2))),
          inclusive: false,
        },
      };
    case '^': {
      // Up to the next change of the first non-zero part given.
      let keep = parts.findIndex(p => p !== 0) + 1;
      if (keep === 0) keep = parts.length;
      return {
        lo: { v: lo, inclusive: true },
        hi: { v: ceiling(parts.slice(0, keep)), inclusive: false },
      };
    }
    default:
      return undefined;
  }
}

function intersect(a: Interval, b: Interval): Interval {
  const c = cmp(a.lo.v, b.lo.v);
  const lo = c > 0 || (c === 0 && !a.lo.inclusive) ? a.lo : b.lo;
  let hi: Bound | undefined;
  if (!a.hi) hi = b.hi;
  else if (!b.hi) hi = a.hi;
  else {
    const h = cmp(a.hi.v, b.hi.v);
    hi = h < 0 || (h === 0 && !a.hi.inclusive) ? a.hi : b.hi;
  }
  return hi ? { lo, hi } : { lo };
}

function isEmpty(i: Interval): boolean {
  if (!i.hi) return false;
  const c = cmp(i.lo.v, i.hi.v);
  return c > 0 || (c === 0 && !(i.lo.inclusive && i.hi.inclusive));
}

/** Parses a range; undefined when it is not one. */
export function parseRange(text: string): SemverRange | undefined {
  const alternatives = text.trim().split('||');
  const result: SemverRange = [];
  for (const alt of alternatives) {
    const set = alt
      .trim()
      // `>= 18` is `>=18`.
      .replace(/(<=|>=|<|>|=|\^|~>?)\s+/g, '$1');
    let interval = all();
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(set);
    if (hyphen) {
      const from = parsePartial(hyphen[1]);
      const to = parsePartial(hyphen[2]);
      if (from === undefined || to === undefined) return undefined;
      interval = {
        lo: { v: from ? floor(from.parts) : ZERO, inclusive: true },
        ...(to
          ? {
              hi:
                to.parts.length === 3
                  ? { v: floor(to.parts), inclusive: true }
                  : { v: ceiling(to.parts), inclusive: false },
            }
          : {}),
      };
    } else {
      for (const token of set.split(/\s+/).filter(Boolean)) {
        const c = comparator(token);
        if (!c) return undefined;
        interval = intersect(interval, c);
      }
    }
    result.push(interval);
  }
  return result;
}

/** Parses `20.11.1` or `v20.11.1`. */
export function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** Compares two `x.y.z` versions (newest last when sorting). */
export function compareVersions(a: string, b: string): number {
  return cmp(parseVersion(a) ?? ZERO, parseVersion(b) ?? ZERO);
}

/** Whether the range contains the version. */
export function rangeContains(range: SemverRange, version: string): boolean {
  const v = parseVersion(version);
  if (!v) return false;
  const point: Interval = {
    lo: { v, inclusive: true },
    hi: { v, inclusive: true },
  };
  return range.some(i => !isEmpty(intersect(i, point)));
}

/** Whether the range admits some version of `major` (`>=18` admits 24). */
export function rangeAdmitsMajor(range: SemverRange, major: number): boolean {
  const line: Interval = {
    lo: { v: [major, 0, 0], inclusive: true },
    hi: { v: [major + 1, 0, 0], inclusive: false },
  };
  return range.some(i => !isEmpty(intersect(i, line)));
}
