export const CACHE_CLEANUP_SCHEDULE_ID = 'voice-clone-cache-cleanup';

export interface CacheCleanupInput {
  /** Free ElevenLabs voice slots to keep; least-recently-used clones are evicted below it. */
  voiceSlotReserve: number;
  /** Call logs, post-call payloads and conversation links older than this are deleted. */
  callLogRetentionDays: number;
  /** Voices of calls started within this may still be speaking: never deleted (MAX_CALL_DURATION_SECONDS). */
  maxCallDurationSeconds: number;
}

export interface CacheCleanupResult {
  expired: number;
  evicted: number;
  voicesDeleted: number;
  voiceDeletionsFailed: number;
  freeVoiceSlots: number | null;
  /** `other`: clone logs and events, deleted cache rows, deleted voice-sample registrations. */
  purged: { calls: number; postCallEvents: number; conversations: number; other: number };
}
