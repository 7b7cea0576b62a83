import type { HeardSegment } from '../audio';

export type LatencyRange = number | { min: number; max: number };

/**
 * The far end of a call that 3CX sent out through an outbound rule (e.g. the ElevenLabs SIP trunk).
 * All audio is raw PCM s16le, 8000 Hz, mono.
 */
export interface ExternalParty {
  /** The caller's voice, in real time, ~20 ms chunks, from the moment the far end answered. */
  onCallerAudio(pcm: Buffer): void;
  /** What the far end says to the caller. Played through a real-time playout buffer (gaps are silence). */
  audio: AsyncIterable<Buffer>;
  /** The caller hung up (or the simulator closed): the far end should end too. */
  hangUp(): void;
  /** Settles when the far end hangs up; the call then ends. */
  ended: Promise<unknown>;
}

/** What a routeto/transferto/divert to a non-local destination tells `externalLine`. */
export interface SimulatedCallInfo {
  callid: number;
  participantId: number;
  callerNumber: string;
  callerName: string;
  did: string;
  destination: string;
  action: 'routeto' | 'transferto' | 'divert';
  /** Aborted when 3CX gives up (route timeout, caller hung up, simulator closed). */
  signal: AbortSignal;
}

/**
 * Resolves when the far end answers (an ExternalParty) or refuses (`{ reject }`, e.g. a SIP 4xx).
 * `null` (or no callback) means no outbound rule matches: the route fails at once.
 */
export type ExternalLine = (destination: string, call: SimulatedCallInfo) => Promise<ExternalParty | { reject: string }> | null;

export interface LocalDestination {
  /** A "human" picks up after this long (longer than the route timeout = no answer). */
  answerAfterMs: number;
  /** Voice id of the human's tone voice (simulators/audio); default humanVoiceId(destination). */
  voiceId?: string;
  /** What the human says, repeated with a short pause while the call lasts. */
  text?: string;
}

export interface ThreeCxSimulatorOptions {
  port?: number;
  host?: string;
  /** The route point DN, which is also the API client's client_id [3CX.md §1c]. Default '800'. */
  routePointDn?: string;
  clientSecret?: string;
  /** DN of the trunk the callers come in on (shown as party_dn). Default '10000' (value not from a source). */
  trunkDn?: string;
  /** UNCONFIRMED (A.5): a new call is Connected at once, or Ringing until the app POSTs answer. Default 'auto-connect'. */
  answerMode?: 'auto-connect' | 'ringing';
  /** UNCONFIRMED (A.5, [C-ESP]): `answer` on a Connected participant → HTTP 400, or 200 with finalstatus Rejected. */
  answerWhenConnected?: 'http-400' | 'rejected';
  /** UNCONFIRMED (A.2): finalstatus as the [CCX] number (default) or the [C-DOC] string. */
  finalStatusStyle?: 'number' | 'string';
  /** INFERRED (A.2): the routeto reply waits for the answer (default) or comes at once. */
  routeReplies?: 'after-answer' | 'immediately';
  /** Route timeout when the request has no `timeout` field. Default 30 s (value not from a source). */
  defaultRouteTimeoutSeconds?: number;
  /** Real token lifetime (JWT exp - iat). Default 3600 [C-ESP: ~1 h]. */
  tokenLifetimeSeconds?: number;
  /** `expires_in` in the token response: [CCX]/[C-ESP] see 60 although the JWT lasts ~1 h. Default 60. */
  reportedExpiresIn?: number | 'lifetime';
  /** HTTP status for bad client credentials: 400 (RFC 6749 §5.2 default) or 401. UNCONFIRMED. */
  badCredentialsStatus?: 400 | 401;
  /** UNCONFIRMED: a second concurrent POST stream replaces the first (default) or is refused with 409. */
  concurrentPostStreams?: 'replace' | 'reject';
  /** UNCONFIRMED: audio queued further ahead of playout than this is discarded. Default: unbounded. */
  playoutBufferMaxMs?: number;
  /** Sends every Upsert twice (several Upserts per participant are normal [CCX]). Default false. */
  duplicateUpserts?: boolean;
  restLatencyMs?: LatencyRange;
  localDestinations?: Record<string, LocalDestination>;
  externalLine?: ExternalLine;
  /** Keeps what every caller heard (16 kB per second of call). Default true. */
  recordHeard?: boolean;
  random?: () => number;
}

export type CallState = 'ringing' | 'connected' | 'routed' | 'ended';
export type CallEndReason = 'caller-hung-up' | 'dropped' | 'far-end-hung-up' | 'simulator-closed';
export type Connection = { kind: 'route_point'; destination: string } | { kind: 'external' | 'local'; destination: string };

export interface RouteAttempt {
  action: 'routeto' | 'transferto' | 'divert';
  destination: string;
  timeoutSeconds: number;
  at: number;
  outcome: 'pending' | 'answered' | 'failed' | 'rejected' | 'no-answer';
  reasontext: string | null;
}

export interface PlaceCallOptions {
  callerNumber: string;
  callerName?: string;
  did?: string;
  /** The caller's voice (8 kHz s16le mono), looped into GET …/stream; default silence. */
  talk?: Buffer;
  hangUpAfterMs?: number;
  /** false: the participant shows direct_control=false and every action or stream on it gets 403. */
  directControl?: boolean;
}

export interface SimulatedCall {
  readonly callid: number;
  readonly participantId: number;
  readonly legid: number;
  readonly callerNumber: string;
  readonly callerName: string;
  readonly did: string;
  /** Date.now() when the call reached the route point; heard() offsets count from here. */
  readonly startedAt: number;
  readonly state: CallState;
  readonly endReason: CallEndReason | null;
  /** Whom the caller is (or was last) connected to; null while ringing. */
  readonly connectedTo: Connection | null;
  readonly routeAttempts: readonly RouteAttempt[];
  readonly attachedData: readonly unknown[];
  /** Bytes of POST-stream audio thrown away because of `playoutBufferMaxMs`. */
  readonly droppedPlayoutBytes: number;
  /** What the caller heard, classified into segments with ms offsets from `startedAt`. */
  heard(candidates: string[]): HeardSegment[];
  /** Raw PCM the caller heard from `startedAt` until now (or the end), silence included. */
  heardPcm(): Buffer;
  hangUp(): void;
  /** DTMF from the caller: a WS event of type 2 with attached_data.dtmf_input [CCX]. */
  sendDtmf(digits: string): void;
  waitForState(state: CallState, timeoutMs?: number): Promise<void>;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  at: number;
  durationMs: number | null;
}

export interface TokenMint {
  at: number;
  /** Streams (GET + POST) and WS connections the previous token still held when this one was minted. */
  openStreamsAtMint: number;
  wsConnectionsAtMint: number;
}

export interface SentEvent {
  sequence: number;
  eventType: number;
  entity: string;
  attachedData: Record<string, unknown>;
  at: number;
  deliveredTo: number;
}

export interface FaultOptions {
  /** Closes every WS connection abruptly; upgrades are refused with 503 for `refuseReconnectMs`. */
  'ws-drop': { refuseReconnectMs?: number };
  /** The live token stops working at once: 401 everywhere, its WS and streams close. */
  'token-expiry': Record<string, never>;
  /** The next `times` (default 1) actions/GETs on the participant answer `status` (default 404). */
  'stale-participant': { participantId?: number; status?: 403 | 404; times?: number };
  /** The next `times` (default 1) routes fail at once with this finalstatus (default Failed). */
  'route-failure': { finalstatus?: 'Failed' | 'Rejected'; reason?: string; reasontext?: string; destination?: string; times?: number };
  /** The next `times` (default 1) routes ring until their timeout, then fail. */
  'route-no-answer': { destination?: string; times?: number };
  /** REST (and token) replies are delayed by this latency until cleared. */
  'slow-rest': { latencyMs: LatencyRange };
  /** The next `times` (default 1) REST requests (whose path contains `path`) answer `status` (default 500). */
  'rest-5xx': { status?: number; times?: number; path?: string };
  /** The next event's sequence number jumps by `skip` (default 5). */
  'sequence-gap': { skip?: number };
}
export type FaultKind = keyof FaultOptions;

export interface ThreeCxSimulator {
  /** e.g. `http://127.0.0.1:41234` (the PBX base URL). */
  readonly url: string;
  /** e.g. `ws://127.0.0.1:41234/callcontrol/ws`. */
  readonly wsUrl: string;
  readonly port: number;
  readonly routePointDn: string;
  readonly clientId: string;
  readonly clientSecret: string;
  placeCall(options: PlaceCallOptions): SimulatedCall;
  readonly calls: readonly SimulatedCall[];
  findCall(participantIdOrCallid: number): SimulatedCall | undefined;
  fault<K extends FaultKind>(kind: K, options?: FaultOptions[K]): void;
  clearFaults(): void;
  readonly tokensMinted: number;
  readonly tokenMints: readonly TokenMint[];
  liveToken(): string | null;
  /** The last sequence number sent (0 before the first event). */
  readonly sequence: number;
  readonly events: readonly SentEvent[];
  readonly requests: readonly RequestRecord[];
  liveWsConnections(): number;
  openStreams(participantId?: number): { get: number; post: number };
  waitForRequest(predicate: (r: RequestRecord) => boolean, timeoutMs?: number): Promise<RequestRecord>;
  close(): Promise<void>;
}
