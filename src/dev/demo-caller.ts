import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PrismaClient } from '../db/prisma';
import { makeWav } from '../../scripts/sine-wav';

/** The caller `npm start` registers with a voice sample and consent, so a first simulated call clones a voice. */
export const DEMO_CALLER = '+4915112345678';

export async function registerDemoCaller(prisma: PrismaClient, samplesDir: string): Promise<void> {
  const file = 'demo-caller.wav';
  writeFileSync(path.join(samplesDir, file), makeWav(8));
  const sample = { voiceSampleUrl: file, voiceName: 'Demo caller', deletedAt: null };
  await prisma.callerVoiceMapping.upsert({ where: { callerId: DEMO_CALLER }, create: { callerId: DEMO_CALLER, ...sample }, update: sample });
  const consent = { givenAt: new Date(), method: 'demo', recordedBy: 'npm start', withdrawnAt: null, withdrawnBy: null };
  await prisma.voiceCloneConsent.upsert({ where: { callerId: DEMO_CALLER }, create: { callerId: DEMO_CALLER, ...consent }, update: consent });
}
