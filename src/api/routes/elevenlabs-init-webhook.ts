import express, { Router } from 'express';
import type { Config } from '../../config';
import { matchPendingHandoff } from '../../db/pending-handoffs';
import type { PrismaClient } from '../../db/prisma';
import { buildConversationInitResponse, parseConversationInitRequest } from '../../integrations/elevenlabs/conversation-init';
import { normalizeCallerNumber } from '../../integrations/threecx/caller-number';
import type { Logger } from '../../logger';
import { maskPhoneNumber } from '../../logger';
import { HttpError } from '../errors';
import { requireAdminToken } from '../middleware/admin-auth';
import { parseJsonBody } from '../validation';

/**
 * SIP mode: ElevenLabs asks, as an inbound SIP call reaches the agent, how to start the
 * conversation [ELD twilio-inbound-integration.mdx, sip-trunking.mdx]. A pure lookup of the
 * pending hand-off the call workflow wrote before routing (never a Temporal query: this answers
 * while the caller waits). Unknown or expired: an answer without overrides (the agent's default
 * voice), never an error — an error could cost the caller the conversation. Not HMAC-signed:
 * authenticated by the header secret configured on ElevenLabs' side.
 */
export function elevenLabsInitWebhookRouter({ config, prisma, log }: { config: Config; prisma: PrismaClient; log: Logger }): Router {
  const router = Router();
  router.post(
    '/webhook/elevenlabs/conversation-init',
    requireAdminToken(config.elevenlabs.initWebhookSecret),
    express.raw({ type: () => true, limit: config.http.maxWebhookBodyBytes }),
    async (req, res) => {
      const request = parseConversationInitRequest(parseJsonBody(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)));
      if (!request) throw new HttpError(400, 'validation_failed', 'The conversation-initiation request must be a JSON object');
      const caller = request.callerId ? normalizeCallerNumber(request.callerId, config.call.defaultCountry).e164 : null;
      const match = await matchPendingHandoff(prisma, { calledNumber: e164Digits(request.calledNumber), callerId: caller, conversationId: request.conversationId });
      res.locals.workflowId = match?.callId;
      log.info(
        { workflowId: match?.callId ?? null, caller: maskPhoneNumber(caller ?? request.callerId), calledNumber: request.calledNumber, matched: match !== null },
        match ? 'conversation-init webhook: pending hand-off found' : 'conversation-init webhook: no pending hand-off, default voice',
      );
      res.status(200).json(match ? match.initiationData : buildConversationInitResponse({ voiceId: null, firstMessage: null, dynamicVariables: UNKNOWN_CALL_VARIABLES, userId: '' }));
    },
  );
  return router;
}

/** The same variables a known call gets, so an agent prompt that uses them never blocks the start. */
const UNKNOWN_CALL_VARIABLES = { call_id: '', caller_name: '', voice_source: 'default', fallback_reason: 'unknown_call' };

function e164Digits(number: string | null): string | null {
  const digits = number?.replace(/\D/g, '');
  return digits ? `+${digits}` : null;
}
