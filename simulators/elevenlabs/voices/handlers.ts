import { type Handler, apiLatency, FALSE_STRINGS, ok, TRUE_STRINGS } from '../http/handler';
import { errorBodies, issue, type ValidationIssueBody } from '../http/error-bodies';
import type { ParsedForm } from '../http/request-body';
import { delay, pickLatency } from '../util';
import { subscriptionWire, voiceWire } from './wire';

interface VoiceForm {
  name: string;
  description: string | null;
  labels: Record<string, string>;
  removeBackgroundNoise: boolean;
  files: { fileName: string; mimeType: string; data: Uint8Array }[];
}

function parseLabels(raw: string | undefined, issues: ValidationIssueBody[]): Record<string, string> {
  if (raw === undefined || raw === '') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
      throw new Error('not an object of strings');
    }
    return parsed as Record<string, string>;
  } catch {
    issues.push(issue.value(['body', 'labels'], 'Value error, labels must be a JSON object with string values'));
    return {};
  }
}

/** Body_Add_voice_v1_voices_add_post [SPEC], checked field by field as FastAPI does. */
function parseVoiceForm(form: ParsedForm | undefined): VoiceForm | ValidationIssueBody[] {
  const fields = form?.fields ?? new Map<string, string[]>();
  const files = (form?.files ?? []).filter((f) => f.field === 'files');
  const issues: ValidationIssueBody[] = [];
  const name = fields.get('name')?.[0];
  if (name === undefined) issues.push(issue.missing(['body', 'name']));
  const stringFiles = fields.get('files') ?? [];
  stringFiles.forEach((_, i) => issues.push(issue.value(['body', 'files', files.length + i], 'Value error, Expected UploadFile, received: <class \'str\'>')));
  if (files.length === 0 && stringFiles.length === 0) issues.push(issue.missing(['body', 'files']));
  files.forEach((f, i) => {
    if (f.data.byteLength === 0) issues.push(issue.value(['body', 'files', i], 'Value error, The uploaded file is empty'));
  });
  const rbnRaw = fields.get('remove_background_noise')?.[0]?.trim().toLowerCase();
  if (rbnRaw !== undefined && !TRUE_STRINGS.has(rbnRaw) && !FALSE_STRINGS.has(rbnRaw)) issues.push(issue.bool(['body', 'remove_background_noise']));
  const labels = parseLabels(fields.get('labels')?.[0], issues);
  if (issues.length > 0 || name === undefined) return issues;
  return {
    name,
    description: fields.get('description')?.[0] ?? null,
    labels,
    removeBackgroundNoise: rbnRaw !== undefined && TRUE_STRINGS.has(rbnRaw),
    files: files.map((f) => ({ fileName: f.fileName, mimeType: f.contentType, data: f.data })),
  };
}

/** POST /v1/voices/add [SPEC Add_voice_v1_voices_add_post]: multipart, 422 like FastAPI, a slot per clone. */
export const addVoice: Handler = async (state, input) => {
  if (input.formError) return errorBodies.plain(400, 'There was an error parsing the body');
  const form = parseVoiceForm(input.form);
  if (Array.isArray(form)) return errorBodies.validation(form);
  if (!state.voices.reserve(state.config.voiceLimit)) {
    await apiLatency(state, input.signal);
    return errorBodies.voiceLimitReached(state.voices.slotsUsed, state.config.voiceLimit);
  }
  try {
    await delay(pickLatency(state.config.cloneLatencyMs, state.random), input.signal);
  } catch (error) {
    state.voices.release();
    throw error;
  }
  const voice = state.voices.commit(form);
  return ok({ voice_id: voice.voiceId, requires_verification: false });
};

/** GET /v1/voices/{voice_id} */
export const getVoice: Handler = async (state, input) => {
  await apiLatency(state, input.signal);
  const voiceId = input.params.voiceId ?? '';
  const voice = state.voices.voices.get(voiceId);
  return voice === undefined ? errorBodies.voiceNotFound(voiceId) : ok(voiceWire(voice));
};

/** GET /v1/voices (GetVoicesResponseModel): premade voices first, then clones oldest first. */
export const listVoices: Handler = async (state, input) => {
  const raw = input.query.get('show_legacy');
  if (raw !== null) {
    const v = raw.trim().toLowerCase();
    if (!TRUE_STRINGS.has(v) && !FALSE_STRINGS.has(v)) return errorBodies.validation([issue.bool(['query', 'show_legacy'])]);
  }
  await apiLatency(state, input.signal);
  const all = [...state.voices.voices.values()];
  const premade = all.filter((v) => v.category === 'premade');
  const cloned = all.filter((v) => v.category !== 'premade').sort((a, b) => a.createdAtUnix - b.createdAtUnix);
  return ok({ voices: [...premade, ...cloned].map(voiceWire) });
};

/** DELETE /v1/voices/{voice_id} */
export const deleteVoice: Handler = async (state, input) => {
  await apiLatency(state, input.signal);
  const voiceId = input.params.voiceId ?? '';
  const voice = state.voices.voices.get(voiceId);
  if (voice === undefined) return errorBodies.voiceNotFound(voiceId);
  if (state.voices.isPremade(voiceId)) return errorBodies.permissionDenied('Premade voices cannot be deleted.');
  state.voices.delete(voiceId);
  return ok({ status: 'ok' });
};

/** GET /v1/user/subscription */
export const getSubscription: Handler = async (state, input) => {
  await apiLatency(state, input.signal);
  return ok(subscriptionWire(state.voices, state.config.voiceLimit));
};
