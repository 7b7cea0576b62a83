import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { CallerNumber } from '../../contracts/call';

const WITHHELD = /^(|anonymous|unknown|private|restricted|withheld|unavailable|\*nonymous)$/i;
// 3CX extensions: short digit strings (`101`, `02`) or the CDR's `Ext.101` form.
const INTERNAL = /^(ext\.?\s*)?\d{1,5}$/i;

/**
 * Normalises a 3CX caller id to E.164 with the configured default country, keeping the raw value.
 * Withheld callers, internal extensions and values that are not phone numbers get no E.164 form:
 * they are never cloned.
 */
export function normalizeCallerNumber(raw: string, defaultCountry: string): CallerNumber {
  const trimmed = raw.trim();
  if (WITHHELD.test(trimmed)) return { raw, e164: null, kind: 'withheld' };
  if (INTERNAL.test(trimmed)) return { raw, e164: null, kind: 'internal' };
  // Carriers also send E.164 without its plus (`4930123456`) and international `00` prefixes. A
  // long digit string without a trunk `0` reads as E.164 first: national numbers carry the `0`.
  const candidates: string[] = [];
  if (/^00\d{6,}$/.test(trimmed)) candidates.push(`+${trimmed.slice(2)}`);
  if (/^[1-9]\d{9,14}$/.test(trimmed)) candidates.push(`+${trimmed}`);
  candidates.push(trimmed);
  for (const candidate of candidates) {
    const parsed = parsePhoneNumberFromString(candidate, defaultCountry as CountryCode);
    if (parsed?.isValid()) return { raw, e164: parsed.number, kind: 'external' };
  }
  return { raw, e164: null, kind: 'invalid' };
}
