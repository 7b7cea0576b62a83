import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SandboxAgentPatch, StoredAgent } from './agents/settings';
import { applyRuntimeConfig, type SandboxRuntimeConfig } from './config';
import { ConvaiSocketServer } from './convai-socket/upgrade';
import type { SandboxConversation } from './conversations/model';
import type { ControlsAndHolds } from './http/dispatch';
import { handleRequest } from './http/request-handler';
import { inviteSip, type SipInvite, type SipInviteResult } from './sip/invite';
import { createState, type SandboxState } from './state';
import type {
  ConversationChannel,
  ConversationFaultSpec,
  ElevenLabsSandboxOptions,
  FailureSpec,
  InitWebhookCallRecord,
  SandboxEndpoint,
  SandboxRequestRecord,
  WebhookDeliveryRecord,
} from './types';
import type { SandboxVoice } from './voices/store';

export interface ElevenLabsSandbox {
  /** e.g. `http://127.0.0.1:43567`, usable as the client's baseUrl (the Agents WebSocket is on the same port, ws://). */
  readonly url: string;
  readonly port: number;
  readonly apiKey: string;
  /** Every request (and WebSocket upgrade) in arrival order, updated in place when answered or when the client goes away. */
  readonly requests: SandboxRequestRecord[];
  readonly webhookDeliveries: WebhookDeliveryRecord[];
  /** Conversation-initiation webhook calls made for inbound SIP calls. */
  readonly initWebhookCalls: InitWebhookCallRecord[];
  readonly voices: ReadonlyMap<string, SandboxVoice>;
  readonly agents: ReadonlyMap<string, StoredAgent>;
  /** Every conversation with its init data, voice, transcript, pings and all audio both ways. */
  readonly conversations: ReadonlyMap<string, SandboxConversation>;
  /** Inbound calls on the ElevenLabs SIP trunk (what 3CX's outbound rule dials). */
  readonly sip: { invite(invite: SipInvite): Promise<SipInviteResult> };
  setFailure(endpoint: SandboxEndpoint, spec: FailureSpec | null): void;
  setConversationFault(channel: ConversationChannel, spec: ConversationFaultSpec | null): void;
  /** Clears HTTP failures and conversation faults. */
  clearFailures(): void;
  /** Creates the agent (defaults for what the patch leaves out) or changes it. */
  configureAgent(agentId: string, patch: SandboxAgentPatch): StoredAgent;
  /**
   * Backdates a voice's `created_at_unix` (e.g. to test age-based cleanup). Returns false for an
   * unknown voice. Also `PATCH /_sandbox/voices/{voice_id}` with `{"created_at_unix": N}`.
   */
  setVoiceCreatedAt(voiceId: string, createdAtUnix: number): boolean;
  configure(patch: SandboxRuntimeConfig): void;
  /** Clears voices, agents, conversations (live ones are cut), logs and timers; failures go back to the start options. */
  reset(): void;
  waitForRequest(predicate: (r: SandboxRequestRecord) => boolean, timeoutMs?: number): Promise<SandboxRequestRecord>;
  waitForWebhookDelivery(predicate: (d: WebhookDeliveryRecord) => boolean, timeoutMs?: number): Promise<WebhookDeliveryRecord>;
  /** Resolves with the first conversation (now or after a change: start, end, done) matching the predicate. */
  waitForConversation(predicate: (c: SandboxConversation) => boolean, timeoutMs?: number): Promise<SandboxConversation>;
  close(): Promise<void>;
}

function waitFor<T>(state: SandboxState, list: Iterable<T>, eventName: string, predicate: (item: T) => boolean, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const existing = [...list].find(predicate);
    if (existing !== undefined) {
      resolve(existing);
      return;
    }
    const onEvent = (item: T): void => {
      if (!predicate(item)) return;
      clearTimeout(timer);
      state.events.off(eventName, onEvent);
      resolve(item);
    };
    const timer = setTimeout(() => {
      state.events.off(eventName, onEvent);
      reject(new Error(`sandbox: no matching ${eventName} within ${timeoutMs} ms`));
    }, timeoutMs);
    state.events.on(eventName, onEvent);
  });
}

function resetState(state: SandboxState, options: ElevenLabsSandboxOptions, held: Set<ServerResponse>): void {
  state.lifecycle.restart('sandbox reset');
  for (const res of held) res.socket?.destroy();
  held.clear();
  state.sender.cancelPending();
  state.voices.reset();
  state.agents.reset();
  state.signedUrls.reset();
  state.conversations.clear();
  state.requests.length = 0;
  state.deliveries.length = 0;
  state.initWebhookCalls.length = 0;
  state.failures.setAll(options.failures ?? {});
  state.conversationFaults.setAll(options.conversationFaults ?? {});
}

async function listen(server: Server, options: ElevenLabsSandboxOptions, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Starts an ElevenLabs look-alike on 127.0.0.1 (see ElevenLabsSandboxOptions and README.md). */
export async function startElevenLabsSandbox(options: ElevenLabsSandboxOptions = {}): Promise<ElevenLabsSandbox> {
  const state = createState(options);
  const controls: ControlsAndHolds = {
    held: new Set(),
    reset: () => resetState(state, options, controls.held),
    setVoiceCreatedAt: (voiceId, createdAtUnix) => {
      const voice = state.voices.voices.get(voiceId);
      if (voice !== undefined) voice.createdAtUnix = createdAtUnix;
      return voice !== undefined;
    },
  };
  const sockets = new ConvaiSocketServer(state);
  const server = createServer((req, res) => void handleRequest(state, controls, options.controlRoutes !== false, req, res));
  server.on('upgrade', (req, socket, head: Buffer) => sockets.handleUpgrade(req, socket, head));
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, options, host);
  state.wsBaseUrl = `ws://${host}:${port}`;
  let closed = false;
  return {
    url: `http://${host}:${port}`,
    port,
    apiKey: state.apiKey,
    requests: state.requests,
    webhookDeliveries: state.deliveries,
    initWebhookCalls: state.initWebhookCalls,
    voices: state.voices.voices,
    agents: state.agents.agents,
    conversations: state.conversations,
    sip: { invite: (invite) => inviteSip(state, invite) },
    setFailure: (endpoint, spec) => state.failures.set(endpoint, spec),
    setConversationFault: (channel, spec) => state.conversationFaults.set(channel, spec),
    clearFailures: () => {
      state.failures.setAll({});
      state.conversationFaults.setAll({});
    },
    configureAgent: (agentId, patch) => state.agents.configure(agentId, patch),
    setVoiceCreatedAt: controls.setVoiceCreatedAt,
    configure: (patch) => applyRuntimeConfig(state, patch),
    reset: controls.reset,
    waitForRequest: (predicate, timeoutMs = 5_000) => waitFor(state, state.requests, 'request', predicate, timeoutMs),
    waitForWebhookDelivery: (predicate, timeoutMs = 5_000) => waitFor(state, state.deliveries, 'delivery', predicate, timeoutMs),
    waitForConversation: (predicate, timeoutMs = 5_000) => waitFor(state, state.conversations.values(), 'conversation', predicate, timeoutMs),
    close: async () => {
      if (closed) return;
      closed = true;
      state.lifecycle.restart('sandbox closed');
      sockets.close();
      await state.sender.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
