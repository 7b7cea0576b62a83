import type { Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { createApp, type AppDeps } from '../../src/api/app';
import { loadConfig, type Config } from '../../src/config';
import type { PrismaClient } from '../../src/db/prisma';
import { signElevenLabsPayload } from '../../src/integrations/elevenlabs/webhook-signature';
import { createVoiceSampleStore } from '../../src/integrations/storage';
import { signThreeCxBody } from '../../src/integrations/threecx/signature';
import { createLogger } from '../../src/logger';
import { postCallTranscription } from './post-call-transcription';

// The HTTP API alone (createApp) on a real Temporal server and database, for suites that need no
// worker: webhooks, /health. Its own secrets; requests signed with them by the helpers below.

export const API_3CX_SECRET = 'api-app-3cx-secret';
export const API_ELEVENLABS_SECRET = 'whsec_api_app';

export interface ApiApp {
  url: string;
  config: Config;
  close(): Promise<void>;
}

export async function serveApi(deps: { temporal: Client; prisma: PrismaClient; databaseUrl: string; elevenlabs: AppDeps['elevenlabs'] }, env: Record<string, string> = {}): Promise<ApiApp> {
  const samplesDir = mkdtempSync(path.join(tmpdir(), 'voiceclone-api-app-'));
  const config = loadConfig({
    ENVIRONMENT: 'test',
    LOG_LEVEL: 'silent',
    THREECX_WEBHOOK_SECRET: API_3CX_SECRET,
    ELEVENLABS_WEBHOOK_SECRET: API_ELEVENLABS_SECRET,
    DATABASE_URL: deps.databaseUrl,
    LOCAL_VOICE_SAMPLES_PATH: samplesDir,
    ...env,
  });
  const storage = createVoiceSampleStore({ kind: 'local', localPath: samplesDir });
  const app = createApp({ config, temporal: deps.temporal, prisma: deps.prisma, log: createLogger('silent'), storage, elevenlabs: deps.elevenlabs });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    config,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(samplesDir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  json: any;
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, json: await res.json().catch(() => null) };
}

export function postThreeCx(app: ApiApp, event: Record<string, unknown>): Promise<Answer> {
  const body = JSON.stringify(event);
  return post(`${app.url}/webhook/3cx`, body, { 'x-3cx-signature': signThreeCxBody(body, API_3CX_SECRET) });
}

export function postElevenLabs(app: ApiApp, payload: Record<string, unknown>): Promise<Answer> {
  const body = JSON.stringify(payload);
  return post(`${app.url}/webhook/elevenlabs/postcall`, body, { 'elevenlabs-signature': signElevenLabsPayload(body, API_ELEVENLABS_SECRET, Math.floor(Date.now() / 1000)) });
}

/** A signed-shape post_call_transcription for `userId`, its turns as given. */
export function transcription(conversationId: string, userId: string, turns: { role: string; message: string }[]): Record<string, unknown> {
  return postCallTranscription(conversationId, userId, { transcript: turns.map((t, i) => ({ ...t, time_in_call_secs: i })) });
}
