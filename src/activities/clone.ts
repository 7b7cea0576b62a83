import { createHash } from 'node:crypto';
import { activityInfo, cancellationSignal, heartbeat, type Info, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { NO_VOICE_SAMPLE } from '../contracts/retry';
import type { PrismaClient } from '../db/prisma';
import type { ElevenLabsClient, ListedVoice } from '../integrations/elevenlabs/client';
import { ElevenLabsAbortedError, ElevenLabsAuthError } from '../integrations/elevenlabs/errors';
import { validateVoiceSample, type VoiceSampleLimits } from '../integrations/storage/audio-validation';
import type { VoiceSampleStore } from '../integrations/storage/voice-sample-store';
import { mapFailures, toActivityFailure } from './failures';
import { CLONE_KEY_LABEL, CLONE_SOURCE_LABEL, freeVoiceSlotIfFull } from './voice-slots';

export interface CloneDeps {
  prisma: PrismaClient;
  elevenlabs: ElevenLabsClient;
  storage: VoiceSampleStore;
  sampleLimits: VoiceSampleLimits;
}

export interface ClonedVoice {
  voiceId: string;
  apiResponseTimeMs: number;
  sampleSizeBytes: number;
  sampleDurationSeconds: number;
}

const HEARTBEAT_EVERY_MS = 2000;

/**
 * The `clone_key` label of a clone: the same for every attempt of one cloneVoice activity (workflow
 * id, run id, activity id), different for any other activity. A SHA-256 hex prefix keeps it a short
 * label value whatever the ids are (they hold phone numbers, which do not belong in a label).
 */
export function cloneKey(info: Pick<Info, 'workflowExecution' | 'activityId'> & Partial<Pick<Info, 'activityRunId' | 'namespace'>>): string {
  const exec = info.workflowExecution;
  const identity = exec ? `${exec.workflowId}/${exec.runId}/${info.activityId}` : `standalone/${info.namespace ?? ''}/${info.activityRunId ?? info.activityId}`;
  return createHash('sha256').update(identity).digest('hex').slice(0, 32);
}

/**
 * A retry looks for the voice an earlier attempt of the same activity may have created (ElevenLabs
 * answered, the completion never reached Temporal). Listing failures fall through to cloning — a
 * duplicate (later removed by the cleanup job's orphan sweep) is better than no voice — except a
 * cancelled activity and a rejected API key, which the clone request could not survive either.
 */
async function findEarlierClone(elevenlabs: ElevenLabsClient, key: string, signal: AbortSignal): Promise<{ voice: ListedVoice; listMs: number } | null> {
  const started = performance.now();
  let voices: ListedVoice[];
  try {
    voices = await elevenlabs.listVoices({ signal });
  } catch (err) {
    if (err instanceof ElevenLabsAbortedError || err instanceof ElevenLabsAuthError || signal.aborted) throw toActivityFailure(err);
    log.warn('Could not list voices to find an earlier attempt’s clone; cloning again', { error: err instanceof Error ? err.message : String(err) });
    return null;
  }
  const listMs = Math.round(performance.now() - started);
  const matches = voices
    .filter((v) => v.labels[CLONE_KEY_LABEL] === key && v.labels.source === CLONE_SOURCE_LABEL.source)
    .sort((a, b) => (a.createdAtUnix ?? Number.MAX_SAFE_INTEGER) - (b.createdAtUnix ?? Number.MAX_SAFE_INTEGER));
  // Two matches only if an attempt outlived its heartbeat timeout and cloned alongside the retry:
  // the oldest is kept, the other is unreferenced and swept by the cleanup job after its grace.
  const voice = matches[0];
  return voice === undefined ? null : { voice, listMs };
}

export function cloneActivities({ prisma, elevenlabs, storage, sampleLimits }: CloneDeps) {
  return {
    /**
     * Loads the caller's registered sample, checks it is usable audio, and creates an ElevenLabs
     * Instant Voice Clone. Heartbeats throughout; a cancelled activity aborts the HTTP request.
     *
     * Idempotent across attempts: the clone is labelled with cloneKey(); a retry (attempt > 1) first
     * lists the voices and returns the one an earlier attempt made, if any, instead of cloning the
     * caller again (see findEarlierClone for the returned figures and for listing failures).
     */
    async cloneVoice({ callerId, timeoutSeconds }: { callerId: string; timeoutSeconds: number }): Promise<ClonedVoice> {
      const mapping = await prisma.callerVoiceMapping.findFirst({ where: { callerId, deletedAt: null } });
      if (!mapping) throw ApplicationFailure.nonRetryable('No voice sample is registered for this caller', NO_VOICE_SAMPLE);
      const signal = cancellationSignal();
      const info = activityInfo();
      const key = cloneKey(info);
      const beat = setInterval(() => heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        if (info.attempt > 1) {
          heartbeat('looking for an earlier attempt’s clone');
          const earlier = await findEarlierClone(elevenlabs, key, signal);
          if (earlier) {
            log.info('Reusing the voice an earlier attempt cloned', { voiceId: earlier.voice.voiceId, attempt: info.attempt });
            // What is known without the original response: the voice, and the samples as ElevenLabs
            // stored them (the bytes we uploaded; 0 where it reports none). apiResponseTimeMs is this
            // attempt's wait on ElevenLabs (the listing), as the first attempt's clone time is lost.
            const sizes = earlier.voice.samples.map((x) => x.sizeBytes);
            const durations = earlier.voice.samples.map((x) => x.durationSeconds);
            return {
              voiceId: earlier.voice.voiceId,
              apiResponseTimeMs: earlier.listMs,
              sampleSizeBytes: sizes.reduce<number>((a, b) => a + (b ?? 0), 0),
              sampleDurationSeconds: durations.every((d) => d !== null) ? durations.reduce<number>((a, b) => a + (b ?? 0), 0) : 0,
            };
          }
        }
        return await mapFailures(async () => {
          heartbeat('downloading sample');
          const { bytes } = await storage.download(mapping.voiceSampleUrl, { signal, maxBytes: sampleLimits.maxSizeBytes });
          const sample = await validateVoiceSample(bytes, sampleLimits);
          await freeVoiceSlotIfFull(prisma, elevenlabs);
          heartbeat('cloning');
          const started = performance.now();
          const { voiceId } = await elevenlabs.createVoiceClone({
            name: mapping.voiceName,
            description: mapping.description ?? 'Instant voice clone made by VoiceClone Pre-Call',
            labels: { ...CLONE_SOURCE_LABEL, [CLONE_KEY_LABEL]: key },
            samples: [{ data: bytes, fileName: `sample.${sample.format}`, contentType: sample.mimeType }],
            signal,
            timeoutMs: timeoutSeconds * 1000,
          });
          return {
            voiceId,
            apiResponseTimeMs: Math.round(performance.now() - started),
            sampleSizeBytes: sample.sizeBytes,
            sampleDurationSeconds: sample.durationSeconds,
          };
        });
      } finally {
        clearInterval(beat);
      }
    },
  };
}
