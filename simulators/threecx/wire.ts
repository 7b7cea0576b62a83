/**
 * JSON shapes on the wire of the 3CX V20 Call Control API, as far as the reference sources show them.
 * Tags: see README.md ([CCX] 3cx/call-control-examples@4d2f6f9, [EP] 3CX endpoint docs, [XT] xapi-tutorial).
 */

// [XT] auth.ts: TokenResponse
export interface TokenResponseWire {
  token_type: 'Bearer';
  expires_in: number;
  access_token: string;
  refresh_token: string;
}

// [XT] auth.ts reads `error_description ?? error` on failure; names from RFC 6749 §5.2.
export interface TokenErrorWire {
  error: 'invalid_request' | 'invalid_client' | 'unsupported_grant_type';
  error_description: string;
}

// [CCX] server/src/types.ts: DNDevice
export interface DNDeviceWire {
  dn: string;
  device_id: string;
  user_agent: string;
}

// [CCX] server/src/types.ts: CallParticipant, plus the extra fields of the [EP] sample
// (party_did, originated_by_*, referred_by_*, on_behalf_of_*).
export interface CallParticipantWire {
  id: number;
  status: ParticipantStatus;
  dn: string;
  party_caller_name: string;
  party_dn: string;
  party_caller_id: string;
  party_did: string;
  device_id: string;
  party_dn_type: string;
  direct_control: boolean;
  originated_by_dn: string;
  originated_by_type: string;
  referred_by_dn: string;
  referred_by_type: string;
  on_behalf_of_dn: string;
  on_behalf_of_type: string;
  callid: number;
  legid: number;
}

// [CCX] constants.ts: Connected, Dialing; [C-TS]/[C-DOC]: Ringing.
export type ParticipantStatus = 'Ringing' | 'Connected' | 'Dialing';

// [CCX] server/src/types.ts: DNInfo; `Wroutepoint` is how [CCX] finds its own DN.
export interface DNInfoWire {
  dn: string;
  type: string;
  devices: DNDeviceWire[];
  participants: CallParticipantWire[];
}

// [CCX] server/src/types.ts: CallRequestStatus (numeric); [C-DOC] shows the names as strings (UNCONFIRMED).
export const CALL_REQUEST_STATUS = { Failed: -1, Rejected: 0, Success: 1 } as const;
export type CallRequestStatusName = keyof typeof CALL_REQUEST_STATUS;

// [CCX] server/src/types.ts: CallControlResultResponse
export interface CallControlResultWire {
  finalstatus: number | CallRequestStatusName;
  reason: string | null;
  result: CallParticipantWire;
  reasontext: string | null;
}

// [CCX] server/src/types.ts: EventType { Upset, Remove, DTMFstring, PromptPlaybackFinished }
export const EVENT_TYPE = { Upsert: 0, Remove: 1, DTMFstring: 2, PromptPlaybackFinished: 3 } as const;
export type EventTypeNumber = (typeof EVENT_TYPE)[keyof typeof EVENT_TYPE];

// [CCX] server/src/types.ts: WSEvent
export interface WsEventWire {
  sequence: number;
  event: {
    event_type: EventTypeNumber;
    entity: string;
    attached_data: Record<string, unknown>;
  };
}

// [CCX] constants.ts: the participant actions.
export const PARTICIPANT_ACTIONS = ['answer', 'drop', 'divert', 'routeto', 'transferto', 'attach_participant_data'] as const;
export type ParticipantAction = (typeof PARTICIPANT_ACTIONS)[number];

// [CCX] utils.ts getParticipantUpdatePath: the entity path an event names.
export function participantEntity(dn: string, participantId: number): string {
  return `/callcontrol/${dn}/participants/${participantId}`;
}
