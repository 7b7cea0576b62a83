import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import WebSocket, { type RawData } from 'ws';
import { AgentConnectError, type AgentConnectErrorInit, type AgentConnectFailureKind, earlyCloseKind, upgradeFailureKind } from './agent-connect-errors';
import { parseAgentServerMessage } from './agent-socket-messages';
import { buildConversationInitiation, type ConversationInitiation } from './conversation-init';

/** The Agents WebSocket of a public agent: the API base with http→ws, `/v1/convai/conversation?agent_id=` [ELD websocket.mdx]. */
export function agentSocketUrl(baseUrl: string, agentId: string): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/v1/convai/conversation`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('agent_id', agentId);
  return url.toString();
}

export interface AgentAudioChunk {
  /** Decoded `audio_event.audio_base_64`, in the conversation's `agentOutputAudioFormat`. */
  audio: Buffer;
  eventId: number | null;
}

export interface AgentConversationClose {
  code: number;
  reason: string;
  /** Closed by us, or by the server with 1000. */
  normal: boolean;
  /**
   * The server closed with a policy code (1008, 1003, 1007): it refused what we sent. A refused
   * override may arrive this way just after the metadata instead of before it (UNCONFIRMED).
   */
  refused: boolean;
}

export interface AgentConversationEvents {
  audio: [AgentAudioChunk];
  /** The caller talked over the agent: audio already queued for playback is stale. */
  interruption: [{ eventId: number | null }];
  agent_response: [{ text: string }];
  user_transcript: [{ text: string }];
  close: [AgentConversationClose];
}

export interface OpenAgentConversationOptions {
  /** agentSocketUrl() for a public agent, or a signed URL from getSignedUrl(). */
  url: string;
  initiation: ConversationInitiation;
  /** From the first connection attempt until `conversation_initiation_metadata` arrives. */
  connectTimeoutMs: number;
  signal?: AbortSignal;
}

/** How long close() waits for the server's close frame before dropping the connection. */
const CLOSE_GRACE_MS = 1_000;
/** Enough of a refused upgrade's body for the error message. */
const MAX_REFUSAL_BODY = 2_000;

/**
 * One running agent conversation. Events that arrive while openAgentConversation() is resolving
 * are held until the next macrotask, so listeners attached right after `await` miss nothing.
 */
export class AgentConversation extends EventEmitter<AgentConversationEvents> {
  private held: (() => void)[] | null = [];
  private closedByUs = false;
  private isClosed = false;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: WebSocket,
    readonly conversationId: string,
    readonly agentOutputAudioFormat: string | null,
    readonly userInputAudioFormat: string | null,
  ) {
    super();
    setImmediate(() => {
      const queued = this.held ?? [];
      this.held = null;
      for (const deliver of queued) deliver();
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Sends caller audio in the conversation's `userInputAudioFormat`. False once the socket is no longer open. */
  sendUserAudio(pcm: Buffer): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify({ user_audio_chunk: pcm.toString('base64') }));
    return true;
  }

  /** Ends the conversation (code 1000 or 3000–4999); `close` follows with `normal: true`. */
  close(code = 1000, reason = ''): void {
    if (this.isClosed || this.closedByUs) return;
    this.closedByUs = true;
    this.ws.close(code, reason);
    this.graceTimer = setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS);
  }

  /** @internal Called by openAgentConversation for every event after the metadata. */
  dispatch<K extends keyof AgentConversationEvents>(event: K, ...args: AgentConversationEvents[K]): void {
    // EventEmitter<T>.emit cannot relate a generic K to its own conditional parameter type.
    const untyped = this as unknown as EventEmitter;
    const deliver = (): void => {
      untyped.emit(event, ...args);
    };
    if (this.held) this.held.push(deliver);
    else deliver();
  }

  /** @internal */
  socketClosed(code: number, reason: string): void {
    clearTimeout(this.graceTimer);
    this.isClosed = true;
    const byServer = !this.closedByUs;
    this.dispatch('close', { code, reason, normal: !byServer || code === 1000, refused: byServer && earlyCloseKind(code) === 'agentRefused' });
  }
}

/**
 * Opens an Agents WebSocket conversation [ELD `fern/apis/convai/asyncapi.yml`]: sends
 * `conversation_initiation_client_data` first and resolves on `conversation_initiation_metadata`.
 * Pings are answered at once with `pong` (the docs' browser example waits `ping_ms` first, which
 * only simulates latency; client-events.mdx calls ping a health check "requiring immediate response").
 *
 * Rejects with AgentConnectError `agentRefused` (upgrade 4xx, or a policy close such as 1008
 * before the metadata) or `agentUnavailable` (upgrade 5xx/429, network error, any other early
 * close, no metadata within connectTimeoutMs); with the signal's reason when aborted.
 */
export function openAgentConversation(options: OpenAgentConversationOptions): Promise<AgentConversation> {
  const { url, connectTimeoutMs, signal } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    // Base64 audio hardly compresses; deflate would only add latency.
    const ws = new WebSocket(url, { handshakeTimeout: connectTimeoutMs, perMessageDeflate: false });
    let conversation: AgentConversation | undefined;
    let settled = false;

    const onAbort = (): void => {
      if (conversation) {
        conversation.close(1000, 'aborted');
        return;
      }
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      if (signal) reject(abortError(signal));
    };
    const fail = (kind: AgentConnectFailureKind, message: string, init: AgentConnectErrorInit = {}): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      ws.terminate();
      reject(new AgentConnectError(kind, `ElevenLabs agent conversation: ${message}`, init));
    };
    const timer = setTimeout(() => fail('agentUnavailable', `no conversation_initiation_metadata within ${connectTimeoutMs} ms`), connectTimeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });

    ws.on('unexpected-response', (_req, res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (): void => {
        const body = Buffer.concat(chunks).toString('utf8').trim();
        fail(upgradeFailureKind(status), `upgrade refused with ${status}${body === '' ? '' : `: ${body}`}`, { httpStatus: status });
      };
      res.on('data', (chunk: Buffer) => {
        if (size < MAX_REFUSAL_BODY) chunks.push(chunk.subarray(0, MAX_REFUSAL_BODY - size));
        size += chunk.length;
      });
      res.once('end', done);
      res.once('error', done);
    });

    ws.on('error', (error: Error & { code?: string }) => {
      fail('agentUnavailable', `${error.code ?? 'socket error'}: ${error.message}`, { cause: error });
    });

    ws.on('open', () => {
      ws.send(JSON.stringify(buildConversationInitiation(options.initiation)));
    });

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return;
      const message = parseAgentServerMessage(rawText(data));
      if (message === null) return;
      if (message.type === 'ping') {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'pong', event_id: message.eventId }));
        return;
      }
      if (message.type === 'conversation_initiation_metadata') {
        if (conversation || settled) return;
        settled = true;
        clearTimeout(timer);
        conversation = new AgentConversation(ws, message.conversationId, message.agentOutputAudioFormat, message.userInputAudioFormat);
        resolve(conversation);
        return;
      }
      if (!conversation) return;
      if (message.type === 'audio') conversation.dispatch('audio', { audio: message.audio, eventId: message.eventId });
      else if (message.type === 'interruption') conversation.dispatch('interruption', { eventId: message.eventId });
      else if (message.type === 'agent_response') conversation.dispatch('agent_response', { text: message.text });
      else conversation.dispatch('user_transcript', { text: message.text });
    });

    ws.on('close', (code: number, reasonBuffer: Buffer) => {
      const reason = reasonBuffer.toString('utf8');
      if (conversation) {
        signal?.removeEventListener('abort', onAbort);
        conversation.socketClosed(code, reason);
        return;
      }
      fail(earlyCloseKind(code), `closed with ${code}${reason === '' ? '' : ` "${reason}"`} before the conversation started`, {
        closeCode: code,
        closeReason: reason,
      });
    });
  });
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : Object.assign(new Error('The operation was aborted', { cause: reason }), { name: 'AbortError' });
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}
