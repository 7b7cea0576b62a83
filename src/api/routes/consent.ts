import express, { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import { consentState, findConsent, recordConsent, type VoiceCloneConsent } from '../../db/consent';
import type { PrismaClient } from '../../db/prisma';
import type { VoiceRemover } from '../../db/voice-cache';
import type { VoiceSampleStore } from '../../integrations/storage';
import { withdrawCloneConsent } from '../admin/consent-withdrawal';
import { HttpError } from '../errors';
import { parseCallerId } from '../params';
import { ConsentBodySchema, ConsentWithdrawalQuerySchema, type ConsentView, type ConsentWithdrawalResponse } from '../schemas/admin';
import { parseOrThrow } from '../validation';

export interface ConsentDeps {
  config: Config;
  prisma: PrismaClient;
  storage: VoiceSampleStore;
  /** Withdrawal deletes the caller's voices at ElevenLabs. */
  elevenlabs: VoiceRemover;
  temporal: Client;
}

const CONSENT_PATH = '/api/v1/callers/:callerId/consent';
/** A `given_at` this far ahead of our clock is taken as clock skew, not as a date in the future. */
const CLOCK_SKEW_MS = 60_000;
/** Earlier than this is a typo (and year 0 is not even a PostgreSQL timestamp). */
const EARLIEST_GIVEN_AT = Date.parse('2000-01-01T00:00:00Z');

function givenAtProblem(givenAt: Date): string | null {
  if (givenAt.getTime() > Date.now() + CLOCK_SKEW_MS) return 'must not be in the future';
  if (givenAt.getTime() < EARLIEST_GIVEN_AT) return 'must not be before 2000-01-01';
  return null;
}

export function toConsentView(row: VoiceCloneConsent): ConsentView {
  return {
    caller_id: row.callerId,
    status: consentState(row) === 'given' ? 'given' : 'withdrawn',
    given_at: row.givenAt.toISOString(),
    method: row.method,
    recorded_by: row.recordedBy,
    evidence: row.evidence,
    withdrawn_at: row.withdrawnAt?.toISOString() ?? null,
    withdrawn_by: row.withdrawnBy,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/**
 * PUT/GET/DELETE of a caller's consent to voice cloning. PUT records it (201 new, 200 replaced or
 * given again after a withdrawal); DELETE withdraws it and removes the sample, the cached clones
 * and the voices at ElevenLabs (see withdrawCloneConsent), answering with what was removed.
 */
export function consentRouter({ config, prisma, storage, elevenlabs, temporal }: ConsentDeps): Router {
  const router = Router();
  const json = express.json({ limit: '16kb' });

  router.put(CONSENT_PATH, json, async (req, res) => {
    const callerId = parseCallerId(req.params, config);
    if (!req.is('application/json')) throw new HttpError(415, 'unsupported_media_type', 'Send application/json');
    const body = parseOrThrow(ConsentBodySchema, req.body, 'consent');
    const givenAt = body.given_at ? new Date(body.given_at) : new Date();
    const problem = givenAtProblem(givenAt);
    if (problem) throw new HttpError(400, 'validation_failed', `Invalid consent: given_at: ${problem}`, [{ field: 'given_at', message: problem }]);
    const { row, created } = await recordConsent(prisma, callerId, { givenAt, method: body.method, recordedBy: body.recorded_by, evidence: body.evidence ?? null });
    res.status(created ? 201 : 200).json(toConsentView(row));
  });

  router.get(CONSENT_PATH, async (req, res) => {
    const callerId = parseCallerId(req.params, config);
    const row = await findConsent(prisma, callerId);
    if (!row) throw new HttpError(404, 'consent_not_found', 'No consent is recorded for this caller');
    res.json(toConsentView(row));
  });

  router.delete(CONSENT_PATH, async (req, res) => {
    const callerId = parseCallerId(req.params, config);
    const { withdrawn_by: withdrawnBy } = parseOrThrow(ConsentWithdrawalQuerySchema, req.query, 'query');
    const deps = { prisma, storage, elevenlabs, temporal, maxCallDurationSeconds: config.call.maxCallDurationSeconds };
    const { consent, removed, pendingVoiceDeletion } = await withdrawCloneConsent(deps, callerId, withdrawnBy ?? null);
    const body: ConsentWithdrawalResponse = { caller_id: callerId, consent: consent && toConsentView(consent), removed, pending_voice_deletion: pendingVoiceDeletion };
    res.json(body);
  });

  return router;
}
