import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../db/prisma';
import type { ElevenLabsClient } from '../integrations/elevenlabs/client';
import type { VoiceSampleLimits } from '../integrations/storage/audio-validation';
import type { VoiceSampleStore } from '../integrations/storage/voice-sample-store';
import { agentCallActivities, type AgentSettings } from './agent-call';
import { cacheActivities } from './cache';
import { cacheCleanupActivities } from './cache-cleanup';
import { callLogActivities } from './call-log';
import { cloneActivities } from './clone';
import { cloneJobActivities } from './clone-job';
import { eventActivities } from './events';

export interface ActivityDeps {
  prisma: PrismaClient;
  elevenlabs: ElevenLabsClient;
  storage: VoiceSampleStore;
  /** For the clone job's signal-with-start. */
  temporal: Client;
  taskQueue: string;
  agent: AgentSettings;
  sampleLimits: VoiceSampleLimits;
}

/** Every activity the worker registers, built from injected dependencies (real or local ones). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...callLogActivities(deps),
    ...agentCallActivities(deps),
    ...cacheActivities(deps),
    ...cacheCleanupActivities(deps),
    ...cloneActivities(deps),
    ...cloneJobActivities(deps),
    ...eventActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
