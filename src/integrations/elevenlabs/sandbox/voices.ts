import { createHash } from 'node:crypto';
import { randomAlphanumeric } from './util';

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

/** A premade voice: does not use a slot and cannot be deleted. */
export const PREMADE_VOICES: readonly { voiceId: string; name: string }[] = [{ voiceId: '21m00Tcm4TlvDq8ikWAM', name: 'Rachel' }];

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
  private pending = 0;
  addEditCounter = 0;

  constructor() {
    this.seedPremade();
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
    this.pending = 0;
    this.addEditCounter = 0;
    this.seedPremade();
  }

  private seedPremade(): void {
    for (const p of PREMADE_VOICES) {
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

/** VoiceResponseModel. */
export function voiceWire(v: SandboxVoice): Record<string, unknown> {
  return {
    voice_id: v.voiceId,
    name: v.name,
    samples:
      v.category === 'premade'
        ? null
        : v.samples.map((s) => ({
            sample_id: s.sampleId,
            file_name: s.fileName,
            mime_type: s.mimeType,
            size_bytes: s.sizeBytes,
            hash: s.hash,
            duration_secs: null,
            remove_background_noise: v.removeBackgroundNoise,
            has_isolated_audio: v.removeBackgroundNoise,
            has_isolated_audio_preview: false,
            speaker_separation: null,
            trim_start: null,
            trim_end: null,
          })),
    category: v.category,
    fine_tuning: null,
    labels: v.labels,
    description: v.description,
    preview_url: null,
    available_for_tiers: [],
    settings: null,
    sharing: null,
    high_quality_base_model_ids: [],
    verified_languages: [],
    safety_control: null,
    voice_verification: {
      requires_verification: false,
      is_verified: false,
      verification_failures: [],
      verification_attempts_count: 0,
      language: null,
      verification_attempts: null,
    },
    permission_on_resource: v.category === 'cloned' ? 'admin' : null,
    is_owner: v.category === 'cloned',
    is_legacy: false,
    is_mixed: false,
    created_at_unix: v.createdAtUnix,
  };
}

/** ExtendedSubscriptionResponseModel. */
export function subscriptionWire(store: VoiceStore, voiceLimit: number): Record<string, unknown> {
  return {
    tier: 'creator',
    character_count: 1200,
    character_limit: 100_000,
    max_character_limit_extension: null,
    can_extend_character_limit: true,
    allowed_to_extend_character_limit: true,
    next_character_count_reset_unix: Math.floor(Date.now() / 1000) + 14 * 24 * 3600,
    voice_slots_used: store.slotsUsed,
    professional_voice_slots_used: 0,
    voice_limit: voiceLimit,
    max_voice_add_edits: null,
    voice_add_edit_counter: store.addEditCounter,
    professional_voice_limit: 1,
    can_extend_voice_limit: false,
    can_use_instant_voice_cloning: true,
    can_use_professional_voice_cloning: true,
    currency: 'usd',
    status: 'active',
    billing_period: 'monthly_period',
    character_refresh_period: 'monthly_period',
    next_invoice: null,
    has_open_invoices: false,
    pending_change: null,
  };
}
