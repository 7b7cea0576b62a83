import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PrismaClient } from '../../src/db/prisma';
import { makeWav } from '../sine-wav';
import type { PlannedCaller } from './plan';

export const SAMPLE_FILE = 'bench-sample.wav';

/** A voice id shaped like ElevenLabs' (20 alphanumerics), one per cached caller: the sandbox serves them as premade voices. */
export function cachedVoiceIds(callers: readonly PlannedCaller[]): Map<string, string> {
  const ids = new Map<string, string>();
  for (const c of callers) if (c.kind === 'cached' && c.e164) ids.set(c.e164, `bench${randomBytes(8).toString('hex').slice(0, 15)}`);
  return ids;
}

/**
 * What the service needs to know of each caller: a voice sample (one shared WAV) with consent on
 * record for `sample` and `cached` callers, and a live cache row for `cached` ones.
 */
export async function registerCallers(prisma: PrismaClient, samplesDir: string, callers: readonly PlannedCaller[], cached: Map<string, string>, cacheTtlSeconds: number): Promise<void> {
  writeFileSync(path.join(samplesDir, SAMPLE_FILE), makeWav(4));
  const withSample = callers.filter((c): c is PlannedCaller & { e164: string } => c.e164 !== null && (c.kind === 'sample' || c.kind === 'cached'));
  if (withSample.length > 0) {
    await prisma.callerVoiceMapping.createMany({ data: withSample.map((c) => ({ callerId: c.e164, voiceSampleUrl: SAMPLE_FILE, voiceName: `Bench ${c.e164}` })) });
    await prisma.voiceCloneConsent.createMany({ data: withSample.map((c) => ({ callerId: c.e164, givenAt: new Date(), method: 'written', recordedBy: 'bench' })) });
  }
  if (cached.size > 0) {
    const now = new Date();
    await prisma.voiceCloneCache.createMany({
      data: [...cached].map(([callerId, clonedVoiceId]) => ({ callerId, clonedVoiceId, cloneCreatedAt: now, ttlExpiresAt: new Date(now.getTime() + cacheTtlSeconds * 1000) })),
    });
  }
}
