import type { Config } from '../config';
import type { ElevenLabsClient, SubscriptionInfo } from '../integrations/elevenlabs/client';
import { isElevenLabsError } from '../integrations/elevenlabs/errors';
import { describeError, isAuthFailure } from './describe-error';
import { checksFor, type DoctorCheck } from './types';

const check = checksFor('elevenlabs');

/** Short on purpose: every doctor run spends these characters on each voice it renders. */
const PROBE_TEXT = 'Hello.';

const KEY_FIX =
  'Create an API key at ElevenLabs → Developers → API keys (with access to Voices, Text to Speech, User and ElevenLabs Agents) and set ELEVENLABS_API_KEY; ELEVENLABS_API_BASE must be https://api.elevenlabs.io (or your data-residency endpoint).';

/** The key (GET /v1/user/subscription) and what the plan allows for cloning. Null subscription: the key did not work. */
export async function subscriptionChecks(client: ElevenLabsClient, config: Config): Promise<{ checks: DoctorCheck[]; subscription: SubscriptionInfo | null }> {
  let subscription: SubscriptionInfo;
  try {
    subscription = await client.getSubscription();
  } catch (err) {
    const message = `ElevenLabs refused GET /v1/user/subscription: ${describeError(err)}`;
    const key = isAuthFailure(err) ? check.fail('elevenlabs.api-key', message, KEY_FIX) : check.fail('elevenlabs.api-key', message, `Check that ${config.elevenlabs.apiBase} is reachable from here, then re-run.`);
    return { checks: [key, ...['elevenlabs.voice-cloning', 'elevenlabs.voice-slots'].map((id) => check.skipped(id, 'Needs a working API key'))], subscription: null };
  }
  return {
    subscription,
    checks: [
      check.ok('elevenlabs.api-key', `API key accepted (plan ${subscription.tier}, ${subscription.status})`),
      subscription.canUseInstantVoiceCloning
        ? check.ok('elevenlabs.voice-cloning', 'The plan allows instant voice cloning')
        : check.fail(
            'elevenlabs.voice-cloning',
            `The plan (${subscription.tier}) does not allow instant voice cloning: every call gets the default voice`,
            'Upgrade the ElevenLabs subscription to a plan with Instant Voice Cloning (ElevenLabs → Subscription).',
          ),
      voiceSlots(subscription, config),
    ],
  };
}

function voiceSlots(s: SubscriptionInfo, config: Config): DoctorCheck {
  const free = s.voiceLimit - s.voiceSlotsUsed;
  const reserve = config.cache.voiceSlotReserve;
  const used = `${s.voiceSlotsUsed} of ${s.voiceLimit} custom voice slots used`;
  if (s.voiceLimit <= 0) {
    return check.fail('elevenlabs.voice-slots', `The plan has no custom voice slots (${used})`, 'Upgrade the ElevenLabs subscription to a plan with custom voice slots.');
  }
  if (free < reserve) {
    return check.warn(
      'elevenlabs.voice-slots',
      `${used}: ${Math.max(0, free)} free, fewer than VOICE_SLOT_RESERVE=${reserve}; the cache cleanup evicts cached clones to free slots, and a clone that finds none fails (the call gets the default voice)`,
      'Delete voices this service does not manage (ElevenLabs → Voices → My Voices), lower CACHE_TTL, or upgrade the plan for more slots.',
    );
  }
  return check.ok('elevenlabs.voice-slots', `${used}, ${free} free (reserve ${reserve})`);
}

/** The greeting voice and the default voice both render as pcm_8000 (the 3CX stream format). */
export async function voiceChecks(client: ElevenLabsClient, config: Config): Promise<DoctorCheck[]> {
  const greetingId = config.greeting.voiceId;
  const defaultId = config.call.defaultVoiceId;
  const greeting = voiceCheck('elevenlabs.greeting-voice', 'GREETING_VOICE_ID', greetingId, await renders(client, greetingId));
  if (defaultId !== greetingId) return [greeting, voiceCheck('elevenlabs.default-voice', 'DEFAULT_VOICE_ID', defaultId, await renders(client, defaultId))];
  return [greeting, { ...greeting, id: 'elevenlabs.default-voice', message: `${greeting.message}; it is also the default voice (DEFAULT_VOICE_ID is unset or the same)` }];
}

/** Null when the voice rendered; else why not. */
async function renders(client: ElevenLabsClient, voiceId: string): Promise<{ error: unknown } | { bytes: number } | null> {
  try {
    const audio = await client.textToSpeech({ voiceId, text: PROBE_TEXT, outputFormat: 'pcm_8000' });
    return audio.length % 2 === 0 ? null : { bytes: audio.length };
  } catch (error) {
    return { error };
  }
}

function voiceCheck(id: string, setting: string, voiceId: string, outcome: Awaited<ReturnType<typeof renders>>): DoctorCheck {
  if (outcome === null) return check.ok(id, `Voice ${voiceId} (${setting}) renders as pcm_8000`);
  if ('bytes' in outcome) {
    return check.fail(id, `Voice ${voiceId} (${setting}) rendered ${outcome.bytes} bytes as pcm_8000: not 16-bit samples`, 'Check ELEVENLABS_API_BASE: the server is not answering like the ElevenLabs API.');
  }
  const { error } = outcome;
  if (isElevenLabsError(error, 'notFound')) {
    return check.fail(
      id,
      `Voice ${voiceId} (${setting}) does not exist for this account: ${describeError(error)}`,
      `Set ${setting} to the id of a voice of this account (ElevenLabs → Voices → the voice → copy its ID); a Voice Library voice must be added to My Voices first.`,
    );
  }
  return check.fail(id, `Voice ${voiceId} (${setting}) did not render as pcm_8000: ${describeError(error)}`, isAuthFailure(error) ? KEY_FIX : `Re-run; if it persists, check ${setting} and the ElevenLabs status page.`);
}
