import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ElevenLabsClient } from '../../src/integrations/elevenlabs/client';
import { startElevenLabsSandbox, type ElevenLabsSandbox, type ElevenLabsSandboxOptions } from '../../simulators/elevenlabs';
import { createVoiceSampleStore, type RoutingVoiceSampleStore } from '../../src/integrations/storage/create-store';
import { createTestDatabase, type TestDatabase } from './db';

/** Real dependencies for calling activities directly (MockActivityEnvironment): database, sandbox, storage. */
export interface ActivityFixture {
  db: TestDatabase;
  sandbox: ElevenLabsSandbox;
  elevenlabs: ElevenLabsClient;
  storage: RoutingVoiceSampleStore;
  samplesDir: string;
  close(): Promise<void>;
}

export async function startActivityFixture(sandboxOptions: ElevenLabsSandboxOptions = {}): Promise<ActivityFixture> {
  const db = await createTestDatabase();
  const sandbox = await startElevenLabsSandbox({ apiLatencyMs: 1, callDurationMs: 200, analysisDurationMs: 20, ...sandboxOptions });
  const elevenlabs = new ElevenLabsClient({ baseUrl: sandbox.url, apiKey: sandbox.apiKey, requestTimeoutMs: 2000 });
  const samplesDir = mkdtempSync(path.join(tmpdir(), 'voiceclone-act-'));
  const storage = createVoiceSampleStore({ kind: 'local', localPath: samplesDir });
  return {
    db,
    sandbox,
    elevenlabs,
    storage,
    samplesDir,
    close: async () => {
      await elevenlabs.close();
      await sandbox.close();
      await db.drop();
      rmSync(samplesDir, { recursive: true, force: true });
    },
  };
}
