import { z } from 'zod';
import type { Config } from '../config';
import { normalizeCallerNumber } from '../integrations/threecx/caller-number';
import { HttpError } from './errors';
import { parseOrThrow } from './validation';

// Path parameters shared by several routes, parsed one way everywhere. The OpenAPI document shows
// these schemas, so every rule that can be written as a pattern is one.

/** One part of callWorkflowId: encodeURIComponent's output with `-` escaped too. */
const ENCODED_PART = String.raw`(?:[A-Za-z0-9_.!~*'()]|%[0-9A-F]{2})+`;
/** Both parts are at most 128 characters (3CX call ids, PBX host names), each tripled by encoding. */
export const CALL_ID_MAX_LENGTH = 'call-'.length + 2 * 3 * 128 + 1;

export const callIdParamSchema = z.object({
  callId: z
    .string()
    .max(CALL_ID_MAX_LENGTH)
    .regex(new RegExp(`^call-${ENCODED_PART}-${ENCODED_PART}$`), 'must be a call id such as call-acme.3cx.eu-1264')
    .meta({
      description:
        'The call’s workflow id, `call-<pbx>-<3CX call id>`: each part percent-encoded (`encodeURIComponent`, with `-` as `%2D`), as `workflow_id` in the 3CX webhook’s answer. Percent-encode it once more in the URL.',
      example: 'call-acme.3cx.eu-1264',
    }),
});

/**
 * Digits only: E.164 with its plus, or a national form (trunk `0`, an `00` international prefix,
 * or E.164 without its plus). Whether the digits are a number at all is the numbering plan's
 * call (`phone-number` format), which no pattern can say.
 */
const CALLER_ID_PATTERN = /^(?:\+[1-9][0-9]{5,14}|[0-9]{6,17})$/;
const NOT_A_PHONE_NUMBER = 'not a phone number';

export const callerIdParamSchema = z.object({
  callerId: z
    .string()
    .regex(CALLER_ID_PATTERN, `${NOT_A_PHONE_NUMBER}: digits only, E.164 (+4915112345678) or national (015112345678)`)
    .meta({
      format: 'phone-number',
      description:
        'The caller’s phone number, digits only: E.164 (`+4915112345678`, the `+` percent-encoded as `%2B` or not) or the national form in DEFAULT_COUNTRY (`015112345678`). Format `phone-number`: the digits must be a valid number in its numbering plan (libphonenumber’s metadata); otherwise a 400.',
      example: '+4915112345678',
    }),
});

export function parseCallId(params: unknown): string {
  return parseOrThrow(callIdParamSchema, params, 'call id').callId;
}

/** The `:callerId` of a route as E.164; a withheld, internal or malformed number is a 400. */
export function parseCallerId(params: unknown, config: Config): string {
  const { callerId } = parseOrThrow(callerIdParamSchema, params, 'caller id');
  const caller = normalizeCallerNumber(callerId, config.call.defaultCountry);
  if (!caller.e164) {
    throw new HttpError(400, 'validation_failed', `Invalid caller id: callerId: ${NOT_A_PHONE_NUMBER} (${caller.kind})`, [
      { field: 'callerId', message: `${NOT_A_PHONE_NUMBER} (${caller.kind})` },
    ]);
  }
  return caller.e164;
}
