import { type Config, loadConfig } from '../../src/config';
import type { DoctorCheck, DoctorReport } from '../../src/doctor/index';
import { type ElevenLabsSandbox, type SandboxAgentPatch, startElevenLabsSandbox } from '../../simulators/elevenlabs';
import { startThreeCxSimulator, type ThreeCxSimulator } from '../../simulators/threecx';

export const AGENT_ID = 'agent_doctor';
export const SIP_NUMBER = '+4930123450001';
export const PUBLIC_BASE_URL = 'https://voice.example.com';
export const INIT_SECRET = 'init-webhook-secret-0123456789';

/** The agent as docs/SETUP-3CX-ELEVENLABS.md sets it up (bridge and SIP): every check passes. */
export const WELL_CONFIGURED: SandboxAgentPatch = {
  userInputAudioFormat: 'pcm_8000',
  agentOutputAudioFormat: 'pcm_8000',
  overrides: { voiceId: true, firstMessage: true },
  enableInitiationWebhook: true,
  initiationWebhook: { url: `${PUBLIC_BASE_URL}/webhook/elevenlabs/conversation-init`, headers: { Authorization: `Bearer ${INIT_SECRET}` } },
  postCallWebhookId: 'wh_doctor',
};

export interface World {
  sandbox: ElevenLabsSandbox;
  pbx: ThreeCxSimulator;
  /** A configuration pointing at both, in `mode`, with `env` on top. */
  config(mode: 'bridge' | 'sip', env?: Record<string, string>): Config;
  close(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const sandbox = await startElevenLabsSandbox({ apiLatencyMs: 1, ttsLatencyMs: 2, agents: { [AGENT_ID]: WELL_CONFIGURED }, sipNumbers: { [SIP_NUMBER]: AGENT_ID } });
  const pbx = await startThreeCxSimulator({ routePointDn: '800', clientSecret: 'pbx-secret' });
  return {
    sandbox,
    pbx,
    config: (mode, env = {}) =>
      loadConfig({
        ENVIRONMENT: 'test',
        HANDOFF_MODE: mode,
        PUBLIC_BASE_URL,
        ELEVENLABS_API_BASE: sandbox.url,
        ELEVENLABS_API_KEY: sandbox.apiKey,
        ELEVENLABS_AGENT_ID: AGENT_ID,
        ELEVENLABS_WEBHOOK_SECRET: 'whsec_doctor',
        ...(mode === 'sip' ? { ELEVENLABS_INIT_WEBHOOK_SECRET: INIT_SECRET, ELEVENLABS_SIP_NUMBERS: SIP_NUMBER, THREECX_SIP_ROUTE_PREFIX: '999' } : {}),
        THREECX_URL: pbx.url,
        THREECX_CLIENT_ID: pbx.clientId,
        THREECX_CLIENT_SECRET: pbx.clientSecret,
        ...env,
      }),
    close: async () => {
      await sandbox.close();
      await pbx.close();
    },
  };
}

export function checkOf(report: DoctorReport, id: string): DoctorCheck {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in the report: ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
}

/** The check failed, its message containing `message` and its fix every text in `fix`. */
export function expectFailedCheck(report: DoctorReport, id: string, { message, fix = [] }: { message?: string; fix?: string[] }): void {
  const check = checkOf(report, id);
  expect(check.status).toBe('fail');
  if (message !== undefined) expect(check.message).toContain(message);
  for (const text of fix) expect(check.fix).toContain(text);
}

/** Every check that is not ok, as `id: status` (what a failing assertion should show). */
export function notOk(report: DoctorReport): string[] {
  return report.checks.filter((c) => c.status !== 'ok').map((c) => `${c.id}: ${c.status} — ${c.message}`);
}
