import { humanVoiceId } from '../../../simulators/audio';
import type { ElevenLabsSandbox, ElevenLabsSandboxOptions } from '../../../simulators/elevenlabs';
import { elevenLabsTrunk } from '../../../simulators/telephony';
import type { ThreeCxSimulator, ThreeCxSimulatorOptions } from '../../../simulators/threecx';
import { TEST_3CX_SECRET } from '../stack';

// How the fault stack is set up: the voices callers can hear, the simulators' defaults, and the
// environment the worker, API and gateway processes run with.

export const FAULTS_PBX = 'faults-pbx';
const FAULTS_ELEVENLABS_SECRET = 'whsec_faults';
const FAULTS_INIT_SECRET = 'faults-init-secret';
const AGENT_ID = 'agent_faults';
const SIP_PREFIX = '999';
const SIP_NUMBERS = ['+4930555000001', '+4930555000002'];

/** The voices a caller can hear, each a tone signature the simulator's ear tells apart. */
export const VOICES = {
  /** GREETING_VOICE_ID (Rachel, premade): the greeting and the failure message. */
  greeting: '21m00Tcm4TlvDq8ikWAM',
  /** DEFAULT_VOICE_ID: the agent when the caller's clone is not there; distinct from the greeting's. */
  default: 'DefaultVoiceFaults01',
  /** The "human" in the fallback queue. */
  queue: humanVoiceId('8000'),
} as const;
export const FALLBACK_QUEUE = '8000';
/** Short, so a call's hold is mostly music: ~60 ms per character in the sandbox's speech. */
export const GREETING_MESSAGE = 'Welcome, one moment please.';
/** Said in the greeting voice before the caller goes to the fallback queue (or is dropped). */
export const FAILURE_MESSAGE = 'Sorry, we cannot connect you now.';

/** Sandbox defaults: short calls, and a webhook retry schedule long enough to outlast a test's outage. */
const SANDBOX_DEFAULTS: ElevenLabsSandboxOptions = {
  cloneLatencyMs: { min: 200, max: 400 },
  apiLatencyMs: { min: 1, max: 5 },
  ttsLatencyMs: { min: 5, max: 20 },
  agentFirstAudioLatencyMs: { min: 100, max: 200 },
  callDurationMs: 2_000,
  analysisDurationMs: 50,
  premadeVoices: [{ voiceId: VOICES.default, name: 'Faults default' }],
  webhookRetry: { delaysMs: [200, 500, 1_000, 2_000, 3_000, 5_000, 5_000, 5_000, 5_000], timeoutMs: 3_000 },
};

/** The sandbox posts its webhooks to the API process at `apiUrl`. */
export function sandboxOptions(apiUrl: string): ElevenLabsSandboxOptions {
  return {
    ...SANDBOX_DEFAULTS,
    agents: { [AGENT_ID]: {} },
    sipNumbers: Object.fromEntries(SIP_NUMBERS.map((n) => [n, AGENT_ID])),
    webhookUrl: `${apiUrl}/webhook/elevenlabs/postcall`,
    webhookSecret: FAULTS_ELEVENLABS_SECRET,
    conversationInitWebhook: { url: `${apiUrl}/webhook/elevenlabs/conversation-init`, headers: { Authorization: `Bearer ${FAULTS_INIT_SECRET}` } },
  };
}

/** Calls routed to the ElevenLabs trunk reach the sandbox; FALLBACK_QUEUE is a person who answers. */
export function threeCxOptions(sandbox: ElevenLabsSandbox): ThreeCxSimulatorOptions {
  return {
    externalLine: elevenLabsTrunk(sandbox, SIP_PREFIX),
    localDestinations: { [FALLBACK_QUEUE]: { answerAfterMs: 300, voiceId: VOICES.queue, text: 'You are through to a person in the queue.' } },
  };
}

export interface ProcessPlaces {
  apiPort: number;
  temporalAddress: string;
  taskQueue: string;
  sandbox: ElevenLabsSandbox;
  pbx: ThreeCxSimulator;
  samplesDir: string;
}

/** The environment of the three processes (DATABASE_URL aside). */
export function processEnv(at: ProcessPlaces): Record<string, string> {
  return {
    ENVIRONMENT: 'test',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PORT: String(at.apiPort),
    DATABASE_POOL_SIZE: '5',
    TEMPORAL_ADDRESS: at.temporalAddress,
    TEMPORAL_TASK_QUEUE: at.taskQueue,
    WORKER_METRICS_BIND: '',
    GATEWAY_HTTP_BIND: '',
    ELEVENLABS_API_KEY: at.sandbox.apiKey,
    ELEVENLABS_API_BASE: at.sandbox.url,
    ELEVENLABS_AGENT_ID: AGENT_ID,
    ELEVENLABS_WEBHOOK_SECRET: FAULTS_ELEVENLABS_SECRET,
    ELEVENLABS_INIT_WEBHOOK_SECRET: FAULTS_INIT_SECRET,
    ELEVENLABS_SIP_NUMBERS: SIP_NUMBERS.join(','),
    ELEVENLABS_REQUEST_TIMEOUT_MS: '3000',
    THREECX_URL: at.pbx.url,
    THREECX_CLIENT_ID: at.pbx.clientId,
    THREECX_CLIENT_SECRET: at.pbx.clientSecret,
    THREECX_PBX: FAULTS_PBX,
    THREECX_SIP_ROUTE_PREFIX: SIP_PREFIX,
    THREECX_WEBHOOK_SECRET: TEST_3CX_SECRET,
    // 3CX's answers can take seconds when this 2-core machine is loaded by the processes here.
    THREECX_REQUEST_TIMEOUT_MS: '15000',
    GREETING_VOICE_ID: VOICES.greeting,
    GREETING_MESSAGE,
    FAILURE_MESSAGE,
    DEFAULT_VOICE_ID: VOICES.default,
    FALLBACK_DESTINATION: FALLBACK_QUEUE,
    REQUIRE_CLONE_CONSENT: 'true',
    LOCAL_VOICE_SAMPLES_PATH: at.samplesDir,
    CLONE_MAX_WAIT_SECONDS: '10',
    VOICE_CLONE_TIMEOUT: '10',
    POST_CALL_GRACE_SECONDS: '3',
  };
}
