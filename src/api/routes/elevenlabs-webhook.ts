import express, { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import type { PrismaClient } from '../../db/prisma';
import { parsePostCallWebhook, PostCallPayloadError } from '../../integrations/elevenlabs/postcall-payload';
import { verifyElevenLabsSignature } from '../../integrations/elevenlabs/webhook-signature';
import type { Logger } from '../../logger';
import { HttpError } from '../errors';
import { assertStorableIds } from '../post-call';
import { parseJsonBody } from '../validation';
import { deliverPostCallEvent } from '../post-call';

export interface ElevenLabsWebhookDeps {
  config: Config;
  temporal: Client;
  prisma: PrismaClient;
  log: Logger;
}

/** ElevenLabs' payloads are a few levels deep; anything far deeper is not theirs. */
const MAX_JSON_DEPTH = 64;

export function elevenLabsWebhookRouter({ config, temporal, prisma, log }: ElevenLabsWebhookDeps): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: config.http.maxPostCallBodyBytes });

  router.post(['/webhook/elevenlabs/postcall', '/webhook/post-call'], raw, async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const secret = config.elevenlabs.webhookSecret;
    if (secret) {
      const verdict = verifyElevenLabsSignature({ rawBody: body, header: req.header('elevenlabs-signature'), secret });
      if (!verdict.ok) throw new HttpError(401, 'invalid_signature', `ElevenLabs-Signature rejected: ${verdict.message}`, { reason: verdict.reason });
    }
    let event;
    try {
      event = parsePostCallWebhook(parseJsonBody(body, { maxDepth: MAX_JSON_DEPTH }));
    } catch (err) {
      if (err instanceof PostCallPayloadError) {
        throw new HttpError(400, 'validation_failed', err.message, err.issues.map((i) => ({ field: i.path.join('.'), message: i.message })));
      }
      throw err;
    }
    if (event.kind !== 'post_call_transcription' && event.kind !== 'call_initiation_failure') {
      // Audio, voice notices and types added later: acknowledged so ElevenLabs does not retry or disable the webhook.
      res.status(200).json({ status: 'ignored', type: event.kind === 'unknown' ? event.type : event.kind });
      return;
    }
    assertStorableIds(event);
    const outcome = await deliverPostCallEvent(prisma, temporal, event);
    res.locals.workflowId = outcome.callId;
    log.info({ workflowId: outcome.callId, type: event.kind, conversationId: event.data.conversation_id, outcome: outcome.status }, 'ElevenLabs post-call webhook');
    res.status(200).json({ ...outcome, type: event.kind, conversation_id: event.data.conversation_id });
  });

  return router;
}
