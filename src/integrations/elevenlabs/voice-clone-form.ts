import { FormData } from 'undici';
import { elevenLabsError } from './errors';

export interface VoiceSample {
  data: Uint8Array;
  fileName: string;
  /** e.g. `audio/mpeg`, `audio/wav`; defaults to application/octet-stream. */
  contentType?: string;
}

export interface CreateVoiceCloneParams {
  name: string;
  samples: VoiceSample[];
  description?: string;
  /** Sent as a JSON-serialised string, as the API expects (keys: language, accent, gender, age, …). */
  labels?: Record<string, string>;
  removeBackgroundNoise?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Multipart body for POST /v1/voices/add: one `files` part per sample. */
export function buildVoiceCloneForm(params: CreateVoiceCloneParams): FormData {
  const issues = [];
  if (params.name.trim() === '') issues.push({ loc: ['params', 'name'], msg: 'must not be empty', type: 'client_validation' });
  if (params.samples.length === 0) issues.push({ loc: ['params', 'samples'], msg: 'at least one sample is required', type: 'client_validation' });
  params.samples.forEach((s, i) => {
    if (s.data.byteLength === 0) issues.push({ loc: ['params', 'samples', i], msg: 'sample is empty', type: 'client_validation' });
  });
  if (issues.length > 0) {
    throw elevenLabsError('validation', `invalid voice clone request: ${issues.map((i) => `${i.loc.join('.')} ${i.msg}`).join('; ')}`, { issues });
  }

  const form = new FormData();
  form.append('name', params.name);
  for (const sample of params.samples) {
    form.append('files', new Blob([sample.data], { type: sample.contentType ?? 'application/octet-stream' }), sample.fileName);
  }
  if (params.description !== undefined) form.append('description', params.description);
  if (params.labels !== undefined) form.append('labels', JSON.stringify(params.labels));
  if (params.removeBackgroundNoise !== undefined) form.append('remove_background_noise', String(params.removeBackgroundNoise));
  return form;
}
