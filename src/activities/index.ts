import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../db/prisma';
import type { ElevenLabsClient } from '../integrations/elevenlabs/client';
import type { VoiceSampleLimits } from '../integrations/storage/audio-validation';
import type { VoiceSampleStore } from '../integrations/storage/voice-sample-store';
import { cacheActivities } from './cache';
import { cacheCleanupActivities } from './cache-cleanup';
import { callLogActivities } from './call-log';
import { cloneActivities } from './clone';
import { cloneJobActivities } from './clone-job';
import { conversationActivities } from './conversation';
import { eventActivities } from './events';
import { handoffActivities } from './handoff';

export interface ActivityDeps {
  prisma: PrismaClient;
  elevenlabs: ElevenLabsClient;
  storage: VoiceSampleStore;
  /** For the clone job's signal-with-start. */
  temporal: Client;
  taskQueue: string;
  /** The ElevenLabs agent the calls are handed to (the lost-webhook recovery lists its conversations). */
  agentId: string;
  sampleLimits: VoiceSampleLimits;
}

/**
 * Every activity the main worker registers, built from injected dependencies (real or local ones).
 * Steps that touch a call's audio are the gateway's (src/gateway/activities.ts).
 */
export function createActivities(deps: ActivityDeps) {
  return {
    ...callLogActivities(deps),
    ...cacheActivities(deps),
    ...cacheCleanupActivities(deps),
    ...cloneActivities(deps),
    ...cloneJobActivities(deps),
    ...conversationActivities(deps),
    ...eventActivities(deps),
    ...handoffActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
