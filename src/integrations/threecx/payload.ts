import { z } from 'zod';

// The webhook body 3CX sends us (the seeds' shape). A Call Flow Designer app or a Call Control API
// bridge posts it; the raw 3CX names (`ani`, `party_caller_id`, `did`, `callid`, ...) are accepted
// too and mapped onto the seeds' names before validation. Every rule on a field's form is a
// pattern, so the OpenAPI document generated from this schema accepts exactly what the route does.

const ALIASES: Record<string, readonly string[]> = {
  event_type: ['event', 'eventType', 'type'],
  call_id: ['callid', 'callId', 'session.callid'],
  caller_id: ['ani', 'party_caller_id', 'callerid', 'Callerid', 'session.ani'],
  called_number: ['did', 'party_did', 'dnis', 'inbound_did', 'session.did'],
};

function applyAliases(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const [name, aliases] of Object.entries(ALIASES)) {
    if (out[name] !== undefined) continue;
    const alias = aliases.find((a) => out[a] !== undefined);
    if (alias) out[name] = out[alias];
  }
  return out;
}

const callId = z
  .union([
    z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1 to 128 letters, digits and . _ : -'),
    z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  ])
  .transform((v) => String(v));

const direction = z
  .string()
  .regex(/^(?:[Ii][Nn]|[Oo][Uu][Tt])(?:[Bb][Oo][Uu][Nn][Dd])?$/, 'must be In, Out, inbound or outbound (any case)')
  .transform((v) => (v.toLowerCase().startsWith('in') ? ('In' as const) : ('Out' as const)));

/** The event after aliases are mapped: what the OpenAPI document shows. */
export const threeCxEventBodySchema = z.object({
  event_type: z.enum(['IncomingCall', 'CallStateChanged', 'CallEnded']),
  call_id: callId,
  caller_id: z.string().max(64).default(''),
  called_number: z.string().trim().max(64).default(''),
  timestamp: z.iso.datetime({ offset: true }),
  direction: direction.default('In'),
  duration: z.number().int().nonnegative().max(7 * 86_400).optional(),
  // A link anyone may follow from the call log: never `javascript:`, `file:` or `data:`.
  recording_url: z
    .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
    .max(2048)
    .meta({ pattern: '^[Hh][Tt][Tt][Pp][Ss]?://', description: 'http or https URL of the recording' })
    .optional(),
  state: z.string().trim().max(64).optional(),
  pbx: z
    .string()
    .regex(/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,126}[A-Za-z0-9])?$/, 'must be a host name such as acme.3cx.eu')
    .transform((v) => v.toLowerCase())
    .optional(),
});

export const threeCxEventSchema = z.preprocess(applyAliases, threeCxEventBodySchema);

export type ThreeCxEvent = z.infer<typeof threeCxEventSchema>;
