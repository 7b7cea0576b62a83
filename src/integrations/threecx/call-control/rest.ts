import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { Logger } from '../../../logger';
import { ThreeCxBadRequestError, errorForStatus, excerpt } from './errors';
import { type ExchangeResponse, exchange, type PbxAddress } from './http-exchange';
import { bearer, type CallControlTokens } from './token';
import {
  type CallParticipant,
  type DNDevice,
  type DNInfo,
  type EntityRef,
  type FinalStatus,
  callControlResultSchema,
  callParticipantSchema,
  dnDeviceSchema,
  dnInfoSchema,
  normaliseFinalStatus,
  parseEntityPath,
} from './types';

/** [CCX] constants.ts PARTICIPANT_CONTROL_*. */
export type ParticipantAction = 'answer' | 'drop' | 'divert' | 'routeto' | 'transferto' | 'attach_participant_data';

/** DivertReason names [NET]; 3CX may know more, so any string is accepted. */
export type DivertReason =
  | 'None'
  | 'NoAnswer'
  | 'PhoneBusy'
  | 'PhoneNotRegistered'
  | 'ForwardAll'
  | 'BasedOnCallerID'
  | 'BasedOnDID'
  | 'OutOfOfficeHours'
  | 'BreakTime'
  | 'Holiday'
  | 'OfficeHours'
  | 'NoDestinations'
  | (string & {});

/** REST body of a participant action: lower-case field names (the WS form is PascalCase [CCX]). */
export interface ActionBody {
  destination?: string;
  reason?: DivertReason;
  /** Seconds before routeto gives up on unanswered destinations [NET RouteRequest.TimeOut]. */
  timeout?: number;
  attacheddata?: Record<string, string>;
}

export interface RequestOptions {
  /** Overrides the client's requestTimeoutMs (e.g. a routeto, whose reply waits for the answer: INFERRED). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ActionResult {
  /** null when the PBX sent no finalstatus we recognise (UNCONFIRMED wire form, see types.ts). */
  finalStatus: FinalStatus | null;
  reason: string | null;
  reasonText: string | null;
  result?: CallParticipant;
}

/** What a WS event's `entity` path points at; `ref.type` is the path's type part. */
export type Entity =
  | { kind: 'participant'; ref: EntityRef; value: CallParticipant }
  | { kind: 'device'; ref: EntityRef; value: DNDevice }
  | { kind: 'other'; ref: EntityRef; value: unknown };

export interface CallControlClientOptions {
  pbx: PbxAddress;
  tokens: CallControlTokens;
  dispatcher: Dispatcher;
  requestTimeoutMs: number;
  logger: Logger;
}

const ENTITY_PATH = /^\/callcontrol(\/[^/?#\s]+){3}$/;

function segment(value: string | number): string {
  return encodeURIComponent(String(value));
}

/** REST side of the 3CX V20 Call Control API ([EP] paths, [CCX] bodies and headers). */
export class CallControlClient {
  constructor(private readonly options: CallControlClientOptions) {}

  async listDns(opts?: RequestOptions): Promise<DNInfo[]> {
    return this.getJson('/callcontrol', z.array(dnInfoSchema), opts);
  }

  async getDn(dn: string, opts?: RequestOptions): Promise<DNInfo> {
    return this.getJson(`/callcontrol/${segment(dn)}`, dnInfoSchema, opts);
  }

  async listParticipants(dn: string, opts?: RequestOptions): Promise<CallParticipant[]> {
    return this.getJson(`/callcontrol/${segment(dn)}/participants`, z.array(callParticipantSchema), opts);
  }

  async getParticipant(dn: string, id: number | string, opts?: RequestOptions): Promise<CallParticipant> {
    return this.getJson(`/callcontrol/${segment(dn)}/participants/${segment(id)}`, callParticipantSchema, opts);
  }

  /** GETs the `entity` path of a WS event (`/callcontrol/{dn}/{type}/{id}`). */
  async getEntity(path: string, opts?: RequestOptions): Promise<Entity> {
    const ref = ENTITY_PATH.test(path) ? parseEntityPath(path) : null;
    if (!ref) throw new ThreeCxBadRequestError(`not a Call Control entity path: ${excerpt(path)}`, { method: 'GET', path });
    if (ref.type === 'participants') return { kind: 'participant', ref, value: await this.getJson(path, callParticipantSchema, opts) };
    if (ref.type === 'devices') return { kind: 'device', ref, value: await this.getJson(path, dnDeviceSchema, opts) };
    return { kind: 'other', ref, value: await this.getJson(path, z.unknown(), opts) };
  }

  /** POST /callcontrol/{dn}/participants/{id}/{action} with a JSON body, at least `{}` [C-ESP]. */
  async action(dn: string, id: number | string, action: ParticipantAction, body: ActionBody = {}, opts?: RequestOptions): Promise<ActionResult> {
    const path = `/callcontrol/${segment(dn)}/participants/${segment(id)}/${action}`;
    const res = await this.send('POST', path, JSON.stringify(body), opts);
    const parsed = callControlResultSchema.safeParse(parseJson(res.bodyText));
    if (!parsed.success) {
      throw new ThreeCxBadRequestError(`POST ${path}: ${res.status} with an unexpected body`, { status: res.status, bodyExcerpt: excerpt(res.bodyText), method: 'POST', path });
    }
    const { finalstatus, reason, reasontext, result } = parsed.data;
    const finalStatus = normaliseFinalStatus(finalstatus);
    if (finalStatus === null) this.options.logger.warn({ path, finalstatus }, '3CX action result without a known finalstatus');
    return { finalStatus, reason: reason ?? null, reasonText: reasontext ?? null, ...(result ? { result } : {}) };
  }

  private async getJson<T extends z.ZodType>(path: string, schema: T, opts: RequestOptions | undefined): Promise<z.output<T>> {
    const res = await this.send('GET', path, undefined, opts);
    const parsed = schema.safeParse(parseJson(res.bodyText));
    if (!parsed.success) {
      throw new ThreeCxBadRequestError(`GET ${path}: ${res.status} with an unexpected body`, { status: res.status, bodyExcerpt: excerpt(res.bodyText), method: 'GET', path });
    }
    return parsed.data;
  }

  /** One request; a 401 invalidates the token and is retried once with a fresh one. */
  private async send(method: 'GET' | 'POST', path: string, body: string | undefined, opts: RequestOptions | undefined): Promise<ExchangeResponse> {
    const { tokens } = this.options;
    for (let attempt = 1; ; attempt++) {
      const token = await tokens.get(opts?.signal);
      const res = await exchange(this.options.dispatcher, this.options.pbx, {
        method,
        path,
        headers: {
          authorization: bearer(token),
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
        },
        body,
        timeoutMs: opts?.timeoutMs ?? this.options.requestTimeoutMs,
        signal: opts?.signal,
      });
      if (res.status === 401) {
        tokens.invalidate(token);
        if (attempt < 2) continue;
      }
      if (res.status < 200 || res.status >= 300) throw errorForStatus(res.status, res.bodyText, method, path);
      return res;
    }
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
