import { Response } from 'undici';
import type { z } from 'zod';
import {
  StoragePathRefusedError,
  StorageRequestError,
  StorageUnavailableError,
  validateVoiceSample,
  VoiceSampleNotFoundError,
  VoiceSampleRejectedError,
  type ValidatedVoiceSample,
  type VoiceSampleLimits,
  type VoiceSampleStore,
} from '../../integrations/storage';
import { HttpError } from '../errors';
import { VoiceRegistrationMultipartBodySchema } from '../schemas/admin';
import { parseOrThrow } from '../validation';

/** Room for the multipart boundaries, part headers and text fields on top of the audio itself. */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

export type VoiceRegistrationUpload = z.output<typeof VoiceRegistrationMultipartBodySchema>;

/** Parses a multipart PUT body (already read, within its size limit) with undici's spec-compliant parser. */
export async function parseVoiceUpload(body: Buffer, contentType: string): Promise<VoiceRegistrationUpload> {
  let form: Awaited<ReturnType<Response['formData']>>;
  try {
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new HttpError(400, 'invalid_multipart', 'Request body is not valid multipart/form-data');
  }
  const files = form.getAll('file');
  if (files.length > 1) {
    throw new HttpError(400, 'validation_failed', 'Invalid voice registration: file: send exactly one file part', [{ field: 'file', message: 'send exactly one file part' }]);
  }
  const fields: Record<string, unknown> = {};
  for (const [name, value] of form.entries()) fields[name] = value;
  return parseOrThrow(VoiceRegistrationMultipartBodySchema, fields, 'voice registration');
}

export function rejectionError(err: VoiceSampleRejectedError): HttpError {
  return new HttpError(422, 'invalid_voice_sample', err.message, { reason: err.reason, limit: err.limit ?? null, measured: err.measured ?? null });
}

/** Checks uploaded bytes; a rejection is a 422 carrying the reason, the limit and what was measured. */
export async function validateOrReject(bytes: Buffer, limits: VoiceSampleLimits): Promise<ValidatedVoiceSample> {
  try {
    return await validateVoiceSample(bytes, limits);
  } catch (err) {
    if (err instanceof VoiceSampleRejectedError) throw rejectionError(err);
    throw err;
  }
}

/** Reads a sample that is already in storage and checks it exactly like an upload. */
export async function downloadAndValidate(storage: VoiceSampleStore, url: string, limits: VoiceSampleLimits): Promise<ValidatedVoiceSample> {
  let bytes: Buffer;
  try {
    ({ bytes } = await storage.download(url, { maxBytes: limits.maxSizeBytes }));
  } catch (err) {
    if (err instanceof VoiceSampleRejectedError) throw rejectionError(err);
    if (err instanceof VoiceSampleNotFoundError) throw new HttpError(422, 'voice_sample_not_found', err.message);
    if (err instanceof StorageRequestError) {
      // Access denied, or an s3:// URL while S3 is not configured: from the caller's side the sample is not there.
      throw new HttpError(422, 'voice_sample_not_found', err.message, { storage_code: err.code ?? null });
    }
    if (err instanceof StoragePathRefusedError) {
      throw new HttpError(400, 'validation_failed', `Invalid voice registration: voice_sample_url: ${err.message}`, [
        { field: 'voice_sample_url', message: `refused (${err.reason})` },
      ]);
    }
    if (err instanceof StorageUnavailableError) throw new HttpError(503, 'storage_unavailable', 'Voice sample storage is unavailable; try again');
    throw err;
  }
  return validateOrReject(bytes, limits);
}
