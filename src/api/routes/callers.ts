import express, { Router } from 'express';
import type { Config } from '../../config';
import { consentState, findConsent } from '../../db/consent';
import type { PrismaClient } from '../../db/prisma';
import type { CallerVoiceMapping } from '../../generated/prisma/client';
import { StorageUnavailableError, type ValidatedVoiceSample, type VoiceSampleStore } from '../../integrations/storage';
import { parseCallerId } from '../params';
import { deleteRegistration, saveRegistration, type RegistrationFields } from '../admin/voice-registration';
import { downloadAndValidate, MULTIPART_OVERHEAD_BYTES, parseVoiceUpload, validateOrReject } from '../admin/voice-sample-input';
import { HttpError } from '../errors';
import { VoiceRegistrationJsonBodySchema, type VoiceMapping, type VoiceRegistrationResponse } from '../schemas/admin';
import { parseOrThrow } from '../validation';

export interface CallersDeps {
  config: Config;
  prisma: PrismaClient;
  storage: VoiceSampleStore;
}

interface Registration extends RegistrationFields {
  sample: ValidatedVoiceSample;
}

const VOICE_PATH = '/api/v1/callers/:callerId/voice';

export function toVoiceMapping(row: CallerVoiceMapping): VoiceMapping {
  return {
    caller_id: row.callerId,
    voice_sample_url: row.voiceSampleUrl,
    voice_name: row.voiceName,
    description: row.description,
    account_id: row.accountId,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

const notFound = () => new HttpError(404, 'voice_mapping_not_found', 'No voice sample is registered for this caller');

/** PUT/GET/DELETE of a caller's voice sample registration. */
export function callersRouter({ config, prisma, storage }: CallersDeps): Router {
  const router = Router();
  const limits = { maxSizeBytes: config.clone.maxSizeBytes, minDurationSeconds: config.clone.minDurationSeconds };
  const multipart = express.raw({ type: 'multipart/form-data', limit: limits.maxSizeBytes + MULTIPART_OVERHEAD_BYTES });
  const json = express.json({ limit: '16kb' });

  router.put(VOICE_PATH, multipart, json, async (req, res) => {
    const callerId = parseCallerId(req.params, config);
    let registration: Registration;
    if (req.is('multipart/form-data') && Buffer.isBuffer(req.body)) {
      const upload = await parseVoiceUpload(req.body, req.get('content-type') ?? '');
      const bytes = Buffer.from(await upload.file.arrayBuffer());
      // Validated before anything is written: a rejected sample leaves nothing behind.
      const sample = await validateOrReject(bytes, limits);
      let voiceSampleUrl: string;
      try {
        voiceSampleUrl = await storage.upload({ key: `callers/${callerId.slice(1)}/${Date.now()}.${sample.format}`, bytes, contentType: sample.mimeType });
      } catch (err) {
        if (err instanceof StorageUnavailableError) throw new HttpError(503, 'storage_unavailable', 'Voice sample storage is unavailable; try again');
        throw err;
      }
      registration = { voiceSampleUrl, sample, voiceName: upload.voice_name, description: upload.description, accountId: upload.account_id };
    } else if (req.is('application/json')) {
      const body = parseOrThrow(VoiceRegistrationJsonBodySchema, req.body, 'voice registration');
      const sample = await downloadAndValidate(storage, body.voice_sample_url, limits);
      registration = { voiceSampleUrl: body.voice_sample_url, sample, voiceName: body.voice_name, description: body.description, accountId: body.account_id };
    } else {
      throw new HttpError(415, 'unsupported_media_type', 'Send multipart/form-data with a file part, or application/json with voice_sample_url');
    }

    const { sample, ...fields } = registration;
    const { row, created } = await saveRegistration(prisma, callerId, fields);
    const body: VoiceRegistrationResponse = {
      ...toVoiceMapping(row),
      voice_sample: { format: sample.format, mime_type: sample.mimeType, size_bytes: sample.sizeBytes, duration_seconds: sample.durationSeconds },
      consent: { status: consentState(await findConsent(prisma, callerId)), required: config.call.requireCloneConsent },
    };
    res.status(created ? 201 : 200).json(body);
  });

  router.get(VOICE_PATH, async (req, res) => {
    const callerId = parseCallerId(req.params, config);
    const row = await prisma.callerVoiceMapping.findFirst({ where: { callerId, deletedAt: null } });
    if (!row) throw notFound();
    res.json(toVoiceMapping(row));
  });

  // Soft delete only, the stored sample file is kept: the row stays (deleted_at) and still points
  // at it for the audit trail, and a sample registered by URL is not ours to delete (withdrawing
  // consent deletes it). The cached clones go at once: a withdrawn registration must not keep
  // speaking in the caller's voice for the rest of the cache TTL.
  router.delete(VOICE_PATH, async (req, res) => {
    const callerId = parseCallerId(req.params, config);
    const { deleted } = await prisma.$transaction((tx) => deleteRegistration(tx, callerId, new Date()));
    if (!deleted) throw notFound();
    res.status(204).end();
  });

  return router;
}
