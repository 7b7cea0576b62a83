import { createHash } from 'node:crypto';
import { activityInfo, cancellationSignal, heartbeat, type Info, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { CALL_FAILURES } from '../contracts/failures';
import { findConsent } from '../db/consent';
import type { PrismaClient } from '../db/prisma';
import { releaseSlot, sampleRegistrationOf, type SampleRegistration } from '../db/voice-cache';
import type { ElevenLabsClient, ListedVoice } from '../integrations/elevenlabs/client';
import { isElevenLabsError } from '../integrations/elevenlabs/errors';
import { validateVoiceSample, type VoiceSampleLimits } from '../integrations/storage/audio-validation';
import type { VoiceSampleStore } from '../integrations/storage/voice-sample-store';
import { mapFailures, toActivityFailure } from './failures';
import { ensureVoiceSlots } from './voice-slots';

/** Every clone we make carries this label: how the orphan sweep tells our voices from others. */
export const CLONE_SOURCE_LABEL = { source: 'voiceclone-precall' } as const;
/** Label holding the clone's idempotency key (see cloneKey). */
export const CLONE_KEY_LABEL = 'clone_key';
/** Label identifying the sample registration a clone was made from (see sampleKey). */
export const CLONE_SAMPLE_LABEL = 'sample_key';

export interface CloneDeps {
  prisma: PrismaClient;
  elevenlabs: ElevenLabsClient;
  storage: VoiceSampleStore;
  sampleLimits: VoiceSampleLimits;
}

export interface CloneVoiceInput {
  callerId: string;
  /** Limit of the clone request at ElevenLabs. */
  timeoutSeconds: number;
  /** Refuse without consent on record (a withdrawn consent is refused either way). */
  requireConsent: boolean;
  /** A clone may need a voice slot: voices of calls started within this are in use and never evicted. */
  maxCallDurationSeconds: number;
}

export interface ClonedVoice {
  voiceId: string;
  apiResponseTimeMs: number;
  sampleSizeBytes: number;
  sampleDurationSeconds: number;
  /** The registration the clone was made from: saveClonedVoice discards the clone if it changed since. */
  sampleRegistration: SampleRegistration;
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

/** The `sample_key` label: a short hash of the registration (its URL may hold the caller's number). */
export function sampleKey(registration: SampleRegistration): string {
  return createHash('sha256').update(`${registration.url}\n${registration.updatedAt}`).digest('hex').slice(0, 16);
}

/**
 * A retry looks for the voice an earlier attempt of the same activity may have created (ElevenLabs
 * answered, the completion never reached Temporal). Listing failures fall through to cloning — a
 * duplicate (later removed by the cleanup job's orphan sweep) is better than no voice — except a
 * cancelled activity and a rejected API key, which the clone request could not survive either.
 */
async function findEarlierClone(elevenlabs: ElevenLabsClient, labels: Record<string, string>, signal: AbortSignal): Promise<{ voice: ListedVoice; listMs: number } | null> {
  const started = performance.now();
  let voices: ListedVoice[];
  try {
    voices = await elevenlabs.listVoices({ signal });
  } catch (err) {
    if (isElevenLabsError(err, 'aborted') || isElevenLabsError(err, 'auth') || signal.aborted) throw toActivityFailure(err);
    log.warn('Could not list voices to find an earlier attempt’s clone; cloning again', { error: err instanceof Error ? err.message : String(err) });
    return null;
  }
  const listMs = Math.round(performance.now() - started);
  const matches = voices
    .filter((v) => Object.entries(labels).every(([name, value]) => v.labels[name] === value))
    .sort((a, b) => (a.createdAtUnix ?? Number.MAX_SAFE_INTEGER) - (b.createdAtUnix ?? Number.MAX_SAFE_INTEGER));
  // Two matches only if an attempt outlived its heartbeat timeout and cloned alongside the retry:
  // the oldest is kept, the other is unreferenced and swept by the cleanup job after its grace. A
  // clone of an earlier registration (replaced between attempts) has another sample_key: not taken.
  const voice = matches[0];
  return voice === undefined ? null : { voice, listMs };
}

/** A reservation outlives its clone request by this much before it lapses on its own (a crashed worker). */
const RESERVATION_GRACE_SECONDS = 60;

export function cloneActivities({ prisma, elevenlabs, storage, sampleLimits }: CloneDeps) {
  /** Refuses (non-retryably) a caller whose consent was withdrawn, or is not on record when required. */
  const checkConsent = async (callerId: string, requireConsent: boolean): Promise<void> => {
    const consent = await findConsent(prisma, callerId);
    if (consent?.withdrawnAt != null) throw ApplicationFailure.nonRetryable('The caller withdrew consent to clone their voice', CALL_FAILURES.noCloneConsent.type);
    if (!consent && requireConsent) throw ApplicationFailure.nonRetryable('No consent to clone this caller’s voice is on record', CALL_FAILURES.noCloneConsent.type);
  };

  return {
    /**
     * Loads the caller's registered sample, checks consent and that the sample is usable audio,
     * makes room for the clone (ensureVoiceSlots, which reserves its slot) and creates an
     * ElevenLabs Instant Voice Clone. Heartbeats throughout; a cancelled activity aborts the HTTP
     * request.
     *
     * Idempotent across attempts: the clone is labelled with cloneKey() and sampleKey(); a retry
     * (attempt > 1) first lists the voices and returns the one an earlier attempt made from the same
     * registration, if any, instead of cloning the caller again (see findEarlierClone for the
     * returned figures and for listing failures).
     */
    async cloneVoice({ callerId, timeoutSeconds, requireConsent, maxCallDurationSeconds }: CloneVoiceInput): Promise<ClonedVoice> {
      const mapping = await prisma.callerVoiceMapping.findFirst({ where: { callerId, deletedAt: null } });
      if (!mapping) throw ApplicationFailure.nonRetryable('No voice sample is registered for this caller', CALL_FAILURES.noVoiceSample.type);
      await checkConsent(callerId, requireConsent);
      const sampleRegistration = sampleRegistrationOf(mapping);
      const signal = cancellationSignal();
      const info = activityInfo();
      const labels = { ...CLONE_SOURCE_LABEL, [CLONE_KEY_LABEL]: cloneKey(info), [CLONE_SAMPLE_LABEL]: sampleKey(sampleRegistration) };
      const beat = setInterval(() => heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        if (info.attempt > 1) {
          heartbeat('looking for an earlier attempt’s clone');
          const earlier = await findEarlierClone(elevenlabs, labels, signal);
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
              sampleRegistration,
            };
          }
        }
        return await mapFailures(async () => {
          heartbeat('downloading sample');
          const { bytes } = await storage.download(mapping.voiceSampleUrl, { signal, maxBytes: sampleLimits.maxSizeBytes });
          const sample = await validateVoiceSample(bytes, sampleLimits);
          heartbeat('making room');
          const until = new Date(Date.now() + (timeoutSeconds + RESERVATION_GRACE_SECONDS) * 1000);
          const { reservationId } = await ensureVoiceSlots(prisma, elevenlabs, { free: 1, maxCallDurationSeconds, reserveFor: { callerId, until }, signal });
          heartbeat('cloning');
          const started = performance.now();
          try {
            const { voiceId } = await elevenlabs.createVoiceClone({
              name: mapping.voiceName,
              description: mapping.description ?? 'Instant voice clone made by VoiceClone Pre-Call',
              labels,
              samples: [{ data: bytes, fileName: `sample.${sample.format}`, contentType: sample.mimeType }],
              signal,
              timeoutMs: timeoutSeconds * 1000,
            });
            return {
              voiceId,
              apiResponseTimeMs: Math.round(performance.now() - started),
              sampleSizeBytes: sample.sizeBytes,
              sampleDurationSeconds: sample.durationSeconds,
              sampleRegistration,
            };
          } finally {
            // The voice now counts at ElevenLabs (or was never made). A reservation that cannot be
            // released now lapses at `until`.
            if (reservationId) await releaseSlot(prisma, reservationId).catch(() => undefined);
          }
        });
      } finally {
        clearInterval(beat);
      }
    },
  };
}
