import { z } from 'zod';

// Wire types of the 3CX V20 Call Control API, after [CCX] server/src/types.ts. Parsed leniently:
// every field optional (the PBX omits or nulls them), unknown keys kept.

const text = z.string().nullish();
/** Integers 3CX may send as numbers (per [CCX]) or as numeric strings. */
const integer = z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]);

export const dnDeviceSchema = z.looseObject({
  dn: text,
  device_id: text,
  user_agent: text,
});
export type DNDevice = z.infer<typeof dnDeviceSchema>;

export const callParticipantSchema = z.looseObject({
  id: integer.optional(),
  /** `Dialing`, `Ringing`, `Connected` [CCX constants, C-TS]. */
  status: text,
  party_caller_name: text,
  party_dn: text,
  party_caller_id: text,
  /** Present in the [EP] sample participant, not in [CCX] types. */
  party_did: text,
  device_id: text,
  party_dn_type: text,
  direct_control: z.boolean().nullish(),
  callid: integer.optional(),
  legid: integer.optional(),
  dn: text,
  originated_by_dn: text,
  originated_by_type: text,
  referred_by_dn: text,
  referred_by_type: text,
  on_behalf_of_dn: text,
  on_behalf_of_type: text,
});
export type CallParticipant = z.infer<typeof callParticipantSchema>;

export const dnInfoSchema = z.looseObject({
  dn: text,
  /** e.g. `Wroutepoint` (how [CCX] finds its own DN), `Wextension`. */
  type: text,
  devices: z.array(dnDeviceSchema).nullish(),
  participants: z.array(callParticipantSchema).nullish(),
});
export type DNInfo = z.infer<typeof dnInfoSchema>;

export type FinalStatus = 'success' | 'failed' | 'rejected';

/**
 * [CCX] CallRequestStatus is numeric (Failed = -1, Rejected = 0, Success = 1); [C-DOC] shows the
 * string "Success". UNCONFIRMED which one V20 sends, so both are accepted. Anything else is null.
 */
export function normaliseFinalStatus(value: unknown): FinalStatus | null {
  if (value === 1 || value === '1') return 'success';
  if (value === 0 || value === '0') return 'rejected';
  if (value === -1 || value === '-1') return 'failed';
  if (typeof value !== 'string') return null;
  const name = value.trim().toLowerCase();
  return name === 'success' || name === 'failed' || name === 'rejected' ? name : null;
}

/** [CCX] CallControlResultResponse. */
export const callControlResultSchema = z.looseObject({
  finalstatus: z.unknown().optional(),
  reason: text,
  result: callParticipantSchema.nullish(),
  reasontext: text,
});

/** [CCX] EventType (`Upset` is their spelling of upsert); 4 is a reply to a WS request [C-TS]. */
export const EVENT_TYPE = { upsert: 0, remove: 1, dtmf: 2, promptPlaybackFinished: 3, response: 4 } as const;

/** [CCX] WSEvent: `{"sequence":N,"event":{"event_type":0,"entity":"/callcontrol/800/participants/12","attached_data":{…}}}`. */
export const wsEventSchema = z.looseObject({
  sequence: integer,
  event: z.looseObject({
    event_type: integer,
    entity: z.string(),
    attached_data: z
      .looseObject({
        dtmf_input: text,
      })
      .nullish(),
  }),
});
export type WSEvent = z.infer<typeof wsEventSchema>;

/** An `entity` path split as [CCX] determineOperation does: the last three parts. */
export interface EntityRef {
  dn: string;
  type: string;
  id: string;
}

export function parseEntityPath(entity: string): EntityRef | null {
  const parts = entity.split('/').filter((p) => p !== '');
  if (parts.length < 3) return null;
  const [dn, type, id] = parts.slice(-3) as [string, string, string];
  return { dn, type, id };
}
