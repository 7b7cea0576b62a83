import { cancellationSignal, heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { NO_VOICE_SAMPLE } from '../contracts/retry';
import type { PrismaClient } from '../db/prisma';
import type { ElevenLabsClient } from '../integrations/elevenlabs/client';
import { validateVoiceSample, type VoiceSampleLimits } from '../integrations/storage/audio-validation';
import type { VoiceSampleStore } from '../integrations/storage/voice-sample-store';
import { mapFailures } from './failures';
import { freeVoiceSlotIfFull } from './voice-slots';

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

export function cloneActivities({ prisma, elevenlabs, storage, sampleLimits }: CloneDeps) {
  return {
    /**
     * Loads the caller's registered sample, checks it is usable audio, and creates an ElevenLabs
     * Instant Voice Clone. Heartbeats throughout; a cancelled activity aborts the HTTP request.
     */
    async cloneVoice({ callerId, timeoutSeconds }: { callerId: string; timeoutSeconds: number }): Promise<ClonedVoice> {
      const mapping = await prisma.callerVoiceMapping.findFirst({ where: { callerId, deletedAt: null } });
      if (!mapping) throw ApplicationFailure.nonRetryable('No voice sample is registered for this caller', NO_VOICE_SAMPLE);
      const signal = cancellationSignal();
      const beat = setInterval(() => heartbeat(), HEARTBEAT_EVERY_MS);
      try {
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
            labels: { source: 'voiceclone-precall' },
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
