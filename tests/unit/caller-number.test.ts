import fc from 'fast-check';
import examples from 'libphonenumber-js/examples.mobile.json';
import { getExampleNumber, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';
import { normalizeCallerNumber } from '../../src/integrations/threecx/caller-number';

// National numbers as 3CX passes them on, in every form a carrier uses, must come out as the
// number libphonenumber reads in the default country; never as another country's E.164.

const COUNTRIES = ['US', 'CA', 'IT', 'DE', 'GB', 'FR'] as const;
type Country = (typeof COUNTRIES)[number];

/** National significant numbers of roughly the right shape; most are valid, the rest are filtered out. */
const RANDOM_SHAPES: Record<Country, RegExp> = {
  US: /^[2-9]\d{9}$/,
  CA: /^[2-9]\d{9}$/,
  IT: /^(3\d{9}|0\d{5,10})$/,
  DE: /^[1-9]\d{6,10}$/,
  GB: /^[1-9]\d{9}$/,
  FR: /^[1-9]\d{8}$/,
};

/** Countries whose national form has no trunk prefix (IT: landlines keep their 0, mobiles have none). */
const DIALLED_WITHOUT_TRUNK_PREFIX = new Set<Country>(['US', 'CA', 'IT']);

/** Valid numbers of `country`: its example number with random subscriber digits, or a random number of its shape. */
function validNumbers(country: Country): fc.Arbitrary<PhoneNumber> {
  const example = getExampleNumber(country, examples)!.nationalNumber;
  const fromExample = fc
    .integer({ min: 3, max: Math.min(7, example.length - 2) })
    .chain((k) => fc.stringMatching(new RegExp(`^\\d{${k}}$`)).map((digits) => example.slice(0, -k) + digits));
  return fc
    .oneof(fromExample, fc.stringMatching(RANDOM_SHAPES[country]))
    .map((national) => parsePhoneNumberFromString(national, country))
    .filter((n): n is PhoneNumber => n !== undefined && n.isValid() && n.country === country);
}

/** How a caller id for `n` may arrive from a PBX in `country`. */
function arrivalForms(n: PhoneNumber, country: Country): string[] {
  const international = `${n.countryCallingCode}${n.nationalNumber}`;
  const forms = [n.formatNational(), n.formatNational().replace(/\D/g, ''), `+${international}`, `00${international}`, n.formatInternational()];
  if (DIALLED_WITHOUT_TRUNK_PREFIX.has(country)) forms.push(n.nationalNumber);
  return forms;
}

describe('normalizeCallerNumber: national numbers in the default country', () => {
  test.each(COUNTRIES)('%s: every form of a valid national number becomes its own E.164', (country) => {
    fc.assert(
      fc.property(
        validNumbers(country).map((n) => ({ e164: n.number, forms: arrivalForms(n, country) })),
        ({ e164, forms }) => {
          for (const raw of forms) expect(normalizeCallerNumber(raw, country)).toEqual({ raw, e164, kind: 'external' });
        },
      ),
      { numRuns: 600 },
    );
  });

  // Found by the property: each is also another country's E.164 without its plus.
  test.each([
    ['4588855162', 'US', '+14588855162'],
    ['3243599785', 'US', '+13243599785'],
    ['3626371128', 'IT', '+393626371128'],
    ['3669981801', 'IT', '+393669981801'],
  ])('%s in %s → %s', (raw, country, e164) => {
    expect(normalizeCallerNumber(raw, country as CountryCode)).toEqual({ raw, e164, kind: 'external' });
  });

  test('a foreign number without its plus is still read when it is no national number', () => {
    expect(normalizeCallerNumber('4930123456', 'US')).toEqual({ raw: '4930123456', e164: '+4930123456', kind: 'external' });
    expect(normalizeCallerNumber('0049 30 123456', 'US')).toEqual({ raw: '0049 30 123456', e164: '+4930123456', kind: 'external' });
  });
});
