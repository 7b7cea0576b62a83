import { createHash } from 'node:crypto';
import { randomAlphanumeric } from '../util';

export interface SandboxVoiceSample {
  sampleId: string;
  fileName: string;
  mimeType: string;
  sizeBytes: number;
  hash: string;
}

export interface SandboxVoice {
  voiceId: string;
  name: string;
  category: 'cloned' | 'premade';
  description: string | null;
  labels: Record<string, string>;
  removeBackgroundNoise: boolean;
  samples: SandboxVoiceSample[];
  createdAtUnix: number;
}

export interface PremadeVoice {
  voiceId: string;
  name: string;
}

/** A premade voice: does not use a slot and cannot be deleted. */
export const PREMADE_VOICES: readonly PremadeVoice[] = [{ voiceId: '21m00Tcm4TlvDq8ikWAM', name: 'Rachel' }];

const VOICE_ID_SHAPE = /^[A-Za-z0-9]{20}$/;

export interface NewVoiceInput {
  name: string;
  description: string | null;
  labels: Record<string, string>;
  removeBackgroundNoise: boolean;
  files: { fileName: string; mimeType: string; data: Uint8Array }[];
}

/** Voice state: cloned voices occupy slots; in-flight clones hold a reservation so concurrent adds cannot overshoot. */
export class VoiceStore {
  readonly voices = new Map<string, SandboxVoice>();
  private readonly deleted = new Set<string>();
  private pending = 0;
  addEditCounter = 0;

  constructor(private readonly premade: readonly PremadeVoice[] = PREMADE_VOICES) {
    this.seedPremade();
  }

  /**
   * A voice that can speak: in the store, or (with `acceptAnyPremadeId`) any id shaped like an
   * ElevenLabs voice id that was never a clone here, standing for a premade voice not listed.
   */
  canSpeak(voiceId: string, acceptAnyPremadeId: boolean): boolean {
    if (this.voices.has(voiceId)) return true;
    return acceptAnyPremadeId && VOICE_ID_SHAPE.test(voiceId) && !this.deleted.has(voiceId);
  }

  isPremade(voiceId: string): boolean {
    return this.premade.some((p) => p.voiceId === voiceId);
  }

  delete(voiceId: string): void {
    if (this.voices.delete(voiceId)) this.deleted.add(voiceId);
  }

  get slotsUsed(): number {
    let n = 0;
    for (const v of this.voices.values()) if (v.category === 'cloned') n += 1;
    return n;
  }

  /** Reserves a slot for an in-flight clone, or returns false when the limit is reached. */
  reserve(limit: number): boolean {
    if (this.slotsUsed + this.pending >= limit) return false;
    this.pending += 1;
    return true;
  }

  release(): void {
    this.pending = Math.max(0, this.pending - 1);
  }

  /** Turns a reservation into a voice. */
  commit(input: NewVoiceInput): SandboxVoice {
    this.release();
    this.addEditCounter += 1;
    const voice: SandboxVoice = {
      voiceId: randomAlphanumeric(20),
      name: input.name,
      category: 'cloned',
      description: input.description,
      labels: input.labels,
      removeBackgroundNoise: input.removeBackgroundNoise,
      samples: input.files.map((f) => ({
        sampleId: randomAlphanumeric(20),
        fileName: f.fileName,
        mimeType: f.mimeType,
        sizeBytes: f.data.byteLength,
        hash: createHash('md5').update(f.data).digest('hex'),
      })),
      createdAtUnix: Math.floor(Date.now() / 1000),
    };
    this.voices.set(voice.voiceId, voice);
    return voice;
  }

  reset(): void {
    this.voices.clear();
    this.deleted.clear();
    this.pending = 0;
    this.addEditCounter = 0;
    this.seedPremade();
  }

  private seedPremade(): void {
    for (const p of this.premade) {
      this.voices.set(p.voiceId, {
        voiceId: p.voiceId,
        name: p.name,
        category: 'premade',
        description: null,
        labels: { accent: 'american', gender: 'female' },
        removeBackgroundNoise: false,
        samples: [],
        createdAtUnix: 1_700_000_000,
      });
    }
  }
}
