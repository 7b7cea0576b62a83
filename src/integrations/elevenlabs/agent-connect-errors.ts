import { CALL_FAILURES } from '../../contracts/failures';

export type AgentConnectFailureKind = 'agentRefused' | 'agentUnavailable';

export interface AgentConnectErrorInit {
  /** HTTP status of a refused WebSocket upgrade. */
  httpStatus?: number;
  /** Close code and reason when the socket closed before the conversation started. */
  closeCode?: number;
  closeReason?: string;
  cause?: unknown;
}

/**
 * An Agents WebSocket conversation that did not start. `name` is the failure type from
 * CALL_FAILURES (Temporal uses `error.name`): `agentRefused` will not start however often it is
 * tried (an override the agent does not allow, an unknown agent); `agentUnavailable` might.
 */
export class AgentConnectError<K extends AgentConnectFailureKind = AgentConnectFailureKind> extends Error {
  override readonly name: (typeof CALL_FAILURES)[K]['type'];
  readonly kind: K;
  readonly retryable: boolean;
  readonly httpStatus: number | undefined;
  readonly closeCode: number | undefined;
  readonly closeReason: string | undefined;

  constructor(kind: K, message: string, init: AgentConnectErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = kind;
    this.name = CALL_FAILURES[kind].type;
    this.retryable = CALL_FAILURES[kind].retryable;
    this.httpStatus = init.httpStatus;
    this.closeCode = init.closeCode;
    this.closeReason = init.closeReason;
  }
}

export function isAgentConnectError<K extends AgentConnectFailureKind = AgentConnectFailureKind>(error: unknown, kind?: K): error is AgentConnectError<K> {
  return error instanceof AgentConnectError && (kind === undefined || error.kind === kind);
}

/** 401/403/404 (and other 4xx) will not change on a retry; 408, 429 and 5xx might. */
export function upgradeFailureKind(status: number): AgentConnectFailureKind {
  if (status === 408 || status === 429 || status >= 500) return 'agentUnavailable';
  return status >= 400 ? 'agentRefused' : 'agentUnavailable';
}

/**
 * A server close before `conversation_initiation_metadata` (and the `refused` flag of a later one). 1008 (policy violation) is how a refused
 * override arrives ("Override for field 'voice_id' is not allowed by config"); 1003 and 1007 also
 * reject what we sent. Which codes ElevenLabs uses for what is not documented (UNCONFIRMED):
 * everything else, 1000 included, is treated as worth another try.
 */
export function earlyCloseKind(code: number): AgentConnectFailureKind {
  return code === 1008 || code === 1003 || code === 1007 ? 'agentRefused' : 'agentUnavailable';
}
