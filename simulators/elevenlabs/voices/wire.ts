import type { SandboxVoice, VoiceStore } from './store';

/** VoiceResponseModel [SPEC]. */
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

/** ExtendedSubscriptionResponseModel [SPEC]. */
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
