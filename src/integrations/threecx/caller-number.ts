import { parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';

/** Same shape as `CallerNumber` in src/contracts/call.ts (contracts never import integrations). */
export interface NormalizedCallerNumber {
  raw: string;
  e164: string | null;
  kind: 'external' | 'withheld' | 'internal' | 'invalid';
}

const WITHHELD = /^(|anonymous|unknown|private|restricted|withheld|unavailable|\*nonymous)$/i;
// 3CX extensions: short digit strings (`101`, `02`) or the CDR's `Ext.101` form.
const INTERNAL = /^(ext\.?\s*)?\d{1,5}$/i;
const SEPARATORS = /[\s().\-/]/g;

const external = (raw: string, e164: string): NormalizedCallerNumber => ({ raw, e164, kind: 'external' });

/**
 * Where national numbers carry a trunk `0` (DE, GB, FR), a digit string without it is no national
 * number as anyone presents it: `4915112345678` is E.164 without its plus, not a number in Leer.
 */
function lacksTrunkPrefix(national: PhoneNumber, digits: string): boolean {
  return /^[1-9]\d*$/.test(digits) && !national.nationalNumber.startsWith('0') && national.formatNational().replace(/\D/g, '').startsWith('0');
}

/**
 * Normalises a 3CX caller id to E.164 with the configured default country, keeping the raw value.
 * Withheld callers, internal extensions and values that are not phone numbers get no E.164 form:
 * they are never cloned.
 */
export function normalizeCallerNumber(raw: string, defaultCountry: string): NormalizedCallerNumber {
  const trimmed = raw.trim();
  if (WITHHELD.test(trimmed)) return { raw, e164: null, kind: 'withheld' };
  if (INTERNAL.test(trimmed)) return { raw, e164: null, kind: 'internal' };
  // The default country's reading comes first: a 10-digit US number or an Italian mobile is also
  // some other country's E.164 without its plus.
  const national = parsePhoneNumberFromString(trimmed, defaultCountry as CountryCode);
  const digits = trimmed.replace(SEPARATORS, '');
  if (national?.isValid() && !lacksTrunkPrefix(national, digits)) return external(raw, national.number);
  // Carriers send foreign callers with an `00` prefix (not every country's international prefix)
  // or as E.164 without its plus (`4930123456`).
  const international: string[] = [];
  if (/^00\d{6,}$/.test(digits)) international.push(`+${digits.slice(2)}`);
  if (/^[1-9]\d{9,14}$/.test(digits)) international.push(`+${digits}`);
  for (const candidate of international) {
    const parsed = parsePhoneNumberFromString(candidate);
    if (parsed?.isValid()) return external(raw, parsed.number);
  }
  if (national?.isValid()) return external(raw, national.number);
  return { raw, e164: null, kind: 'invalid' };
}
