import { getAgent, getSignedUrl } from '../agents/handlers';
import { getConversation, listConversations } from '../conversations/handlers';
import { textToSpeech } from '../tts/handlers';
import type { SandboxEndpoint } from '../types';
import { addVoice, deleteVoice, getSubscription, getVoice, listVoices } from '../voices/handlers';
import type { Handler } from './handler';

export const HANDLERS: Record<SandboxEndpoint, Handler> = {
  'voices.add': addVoice,
  'voices.get': getVoice,
  'voices.list': listVoices,
  'voices.delete': deleteVoice,
  subscription: getSubscription,
  tts: textToSpeech(false),
  'tts.stream': textToSpeech(true),
  'agents.get': getAgent,
  signedUrl: getSignedUrl,
  'conversations.get': getConversation,
  'conversations.list': listConversations,
};

export interface Route {
  endpoint: SandboxEndpoint;
  params: Record<string, string>;
}

interface RouteEntry {
  pattern: RegExp;
  /** Names of the pattern's capture groups, in order. */
  params: string[];
  methods: Partial<Record<string, SandboxEndpoint>>;
}

// Paths as in [SPEC] `paths`; the first matching pattern wins.
const TABLE: RouteEntry[] = [
  { pattern: /^\/v1\/voices$/, params: [], methods: { GET: 'voices.list' } },
  { pattern: /^\/v1\/voices\/add$/, params: [], methods: { POST: 'voices.add' } },
  { pattern: /^\/v1\/voices\/([^/]+)$/, params: ['voiceId'], methods: { GET: 'voices.get', DELETE: 'voices.delete' } },
  { pattern: /^\/v1\/user\/subscription$/, params: [], methods: { GET: 'subscription' } },
  { pattern: /^\/v1\/text-to-speech\/([^/]+)$/, params: ['voiceId'], methods: { POST: 'tts' } },
  { pattern: /^\/v1\/text-to-speech\/([^/]+)\/stream$/, params: ['voiceId'], methods: { POST: 'tts.stream' } },
  { pattern: /^\/v1\/convai\/agents\/([^/]+)$/, params: ['agentId'], methods: { GET: 'agents.get' } },
  { pattern: /^\/v1\/convai\/conversation\/get-signed-url$/, params: [], methods: { GET: 'signedUrl' } },
  { pattern: /^\/v1\/convai\/conversations$/, params: [], methods: { GET: 'conversations.list' } },
  { pattern: /^\/v1\/convai\/conversations\/([^/]+)$/, params: ['conversationId'], methods: { GET: 'conversations.get' } },
];

export function matchRoute(method: string, pathname: string): Route | 'method_not_allowed' | undefined {
  for (const entry of TABLE) {
    const match = entry.pattern.exec(pathname);
    if (match === null) continue;
    const endpoint = entry.methods[method];
    if (endpoint === undefined) return 'method_not_allowed';
    const params = Object.fromEntries(entry.params.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]));
    return { endpoint, params };
  }
  return undefined;
}
