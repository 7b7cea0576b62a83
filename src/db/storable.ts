// PostgreSQL refuses U+0000 in text columns ("invalid byte sequence for encoding UTF8: 0x00") and
// cannot read it back out of json ones ("unsupported Unicode escape sequence"). Text from outside
// (a transcript, a webhook payload) may hold it, and a write that always fails is retried by its
// activity for ever. So each NUL becomes U+FFFD, the mark of a character that could not be kept.

const NUL = '\u0000';
const REPLACEMENT = '\uFFFD';

export function storableText(text: string): string {
  return text.includes(NUL) ? text.replaceAll(NUL, REPLACEMENT) : text;
}

/** A JSON value with every string (keys included) made storable; unchanged parts are shared. */
export function storableJson<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    const mapped = items.map((item) => storableJson(item));
    return (mapped.some((item, i) => item !== items[i]) ? mapped : value) as T;
  }
  if (value === null || typeof value !== 'object') return value;
  let changed = false;
  const entries = Object.entries(value).map(([key, item]) => {
    const next: [string, unknown] = [storableText(key), storableJson(item)];
    if (next[0] !== key || next[1] !== item) changed = true;
    return next;
  });
  return (changed ? Object.fromEntries(entries) : value) as T;
}
