import { z } from 'zod';
import type { Config } from '../config';
import { normalizeCallerNumber } from '../integrations/threecx/caller-number';
import { HttpError } from './errors';
import { CallerIdParamsSchema } from './schemas/admin';
import { parseOrThrow } from './validation';

// Path parameters shared by several routes, parsed one way everywhere.

export const callIdParamSchema = z.object({
  callId: z.string().regex(/^call-[a-z0-9.-]+-[A-Za-z0-9._:-]+$/, 'must be a call id such as call-acme.3cx.eu-1264'),
});


export function parseCallId(params: unknown): string {
  return parseOrThrow(callIdParamSchema, params, 'call id').callId;
}

/** The `:callerId` of a route as E.164; a withheld, internal or malformed number is a 400. */
export function parseCallerId(params: unknown, config: Config): string {
  const { callerId } = parseOrThrow(CallerIdParamsSchema, params, 'caller id');
  const caller = normalizeCallerNumber(callerId, config.call.defaultCountry);
  if (!caller.e164) {
    throw new HttpError(400, 'validation_failed', `Invalid caller id: callerId: not a phone number (${caller.kind})`, [
      { field: 'callerId', message: `not a phone number (${caller.kind})` },
    ]);
  }
  return caller.e164;
}
