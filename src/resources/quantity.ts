// Resource quantities as k8s.io/apimachinery/pkg/api/resource keeps them: parsed
// exactly (a decimal mantissa and exponent, no floating point), rounded up to
// nano precision, and written back in canonical form, the one kube-apiserver
// answers with whatever form a client sent ("1000m" -> "1", "0.5" -> "500m",
// "1024Mi" -> "1Gi", "1000" -> "1k").

type Format = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface ParsedQuantity { mantissa: bigint; exponent: number; format: Format }
type Parsed = ParsedQuantity;

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const NUMBER = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/;

/** ParseQuantity; undefined for what kube refuses to decode (the decoder reports why). */
export function parseQuantity(text: string): Parsed | undefined {
  const m = NUMBER.exec(text.trim());
  if (!m) return undefined;
  const [, sign, whole, frac = '', suffix] = m;
  if (whole === '' && frac === '') return undefined;
  let mantissa = BigInt(`${whole}${frac}` || '0');
  let exponent = -frac.length;
  let format: Format = 'DecimalSI';
  if (Object.hasOwn(DECIMAL_SUFFIXES, suffix)) exponent += DECIMAL_SUFFIXES[suffix];
  else if (BINARY_SUFFIXES.includes(suffix)) {
    mantissa *= 1024n ** BigInt(BINARY_SUFFIXES.indexOf(suffix));
    format = 'BinarySI';
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    exponent += Number(suffix.slice(1));
    format = 'DecimalExponent';
  } else return undefined;
  if (exponent < -9) {
    // finer than a nano unit: rounded up (away from zero), as kube's Quantity does
    const unit = 10n ** BigInt(-9 - exponent);
    mantissa = (mantissa + unit - 1n) / unit;
    exponent = -9;
  }
  return { mantissa: sign === '-' ? -mantissa : mantissa, exponent, format };
}

const abs = (n: bigint) => (n < 0n ? -n : n);

/** Quantity.String(): the canonical form of a parsed quantity. */
export function formatQuantity({ mantissa, exponent, format }: Parsed): string {
  if (mantissa === 0n) return '0';
  if (format === 'BinarySI') {
    // only whole numbers of at least 1024 are written in binary units; the rest in decimal ones
    const scale = exponent < 0 ? 10n ** BigInt(-exponent) : 1n;
    const whole = exponent < 0 ? mantissa % scale === 0n : true;
    let n = exponent < 0 ? mantissa / scale : mantissa * 10n ** BigInt(exponent);
    if (whole && abs(n) >= 1024n) {
      let power = 0;
      while (n % 1024n === 0n && power < BINARY_SUFFIXES.length - 1) { n /= 1024n; power++; }
      return `${n}${BINARY_SUFFIXES[power]}`;
    }
    format = 'DecimalSI';
  }
  // AsCanonicalBytes: no trailing zeros in the mantissa, then an exponent that is a multiple of 3
  while (mantissa % 10n === 0n) { mantissa /= 10n; exponent++; }
  const down = ((exponent % 3) + 3) % 3;
  mantissa *= 10n ** BigInt(down);
  exponent -= down;
  if (exponent === 0) return String(mantissa);
  const si = Object.entries(DECIMAL_SUFFIXES).find(([, e]) => e === exponent)?.[0];
  return format === 'DecimalSI' && si !== undefined ? `${mantissa}${si}` : `${mantissa}e${exponent}`;
}

/** The canonical form of a quantity as JSON carries it (a string or a number); undefined when it does not parse. */
export function canonicalQuantity(v: unknown): string | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const p = parseQuantity(typeof v === 'number' ? numberText(v) : v);
  return p && formatQuantity(p);
}

/** A JSON number as Go's decoder hands its text to Quantity.UnmarshalJSON (no exponent for ordinary sizes). */
const numberText = (n: number) => (Number.isFinite(n) ? (Math.abs(n) < 1e21 ? n.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 }) : String(n)) : '');
