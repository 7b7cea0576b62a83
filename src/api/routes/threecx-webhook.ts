import express, { Router } from 'express';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Config } from '../../config';
import { callWorkflowId } from '../../contracts/call';
import { callEndedSignal, callStateChangedSignal } from '../../contracts/messages';
import { threeCxEventSchema } from '../../integrations/threecx/payload';
import { verifyThreeCxSignature } from '../../integrations/threecx/signature';
import type { Logger } from '../../logger';
import { maskPhoneNumber } from '../../logger';
import { startCallWorkflow } from '../../calls/start-call';
import { HttpError } from '../errors';
import { ipAllowList } from '../middleware/ip-allow-list';
import { parseJsonBody, parseOrThrow } from '../validation';

export interface ThreeCxWebhookDeps {
  config: Config;
  temporal: Client;
  log: Logger;
}

export function threeCxWebhookRouter({ config, temporal, log }: ThreeCxWebhookDeps): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: config.http.maxWebhookBodyBytes });

  router.post(['/webhook/3cx', '/webhook/3cx-call'], ipAllowList(config.threecx.trustedIps), raw, async (req, res) => {
    const receivedAt = new Date();
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const secret = config.threecx.webhookSecret;
    if (secret && !verifyThreeCxSignature(body, req.header('x-3cx-signature'), secret)) {
      throw new HttpError(401, 'invalid_signature', 'X-3CX-Signature is missing or does not match the body');
    }
    const event = parseOrThrow(threeCxEventSchema, parseJsonBody(body), '3CX event');
    const pbx = event.pbx ?? config.threecx.pbx;
    const workflowId = callWorkflowId(pbx, event.call_id);
    res.locals.workflowId = workflowId;
    const statusUrl = `${config.http.publicBaseUrl?.replace(/\/+$/, '') ?? ''}/calls/${encodeURIComponent(workflowId)}`;

    if (event.event_type === 'IncomingCall' && event.direction === 'Out') {
      // The pre-call flow is for callers reaching us; an outbound call from the PBX has no caller to greet.
      res.status(202).json({ status: 'ignored', reason: 'outbound_call', workflow_id: workflowId, call_id: event.call_id, status_url: statusUrl, duplicate: false });
      return;
    }
    if (event.event_type === 'IncomingCall') {
      // An early event source (a Call Flow Designer app, an add-on): the gateway joins the same
      // workflow when the call reaches its route point, and holds the caller there.
      const started = await startCallWorkflow(temporal, config, {
        pbx,
        threecxCallId: event.call_id,
        callerRaw: event.caller_id,
        callerName: null,
        calledNumber: event.called_number,
        source: 'webhook',
        participantId: null,
        occurredAt: new Date(event.timestamp),
        receivedAt,
      });
      const { caller } = started.input;
      log.info(
        { workflowId, duplicate: started.duplicate, caller: maskPhoneNumber(caller.e164 ?? caller.raw), callerKind: caller.kind },
        started.duplicate ? '3CX IncomingCall re-delivered: call already started' : '3CX IncomingCall: call workflow started',
      );
      res.status(202).json({ status: 'accepted', workflow_id: workflowId, call_id: event.call_id, status_url: statusUrl, duplicate: started.duplicate });
      return;
    }

    const handle = temporal.workflow.getHandle(workflowId);
    try {
      if (event.event_type === 'CallEnded') {
        await handle.signal(callEndedSignal, {
          endedAt: new Date(event.timestamp).toISOString(),
          durationSeconds: event.duration ?? null,
          reason: event.state ?? 'caller_hung_up',
          recordingUrl: event.recording_url ?? null,
        });
      } else {
        await handle.signal(callStateChangedSignal, { state: event.state ?? 'unknown', at: new Date(event.timestamp).toISOString() });
      }
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new HttpError(404, 'unknown_call', `No running call ${workflowId}`);
      throw err;
    }
    log.info({ workflowId, event: event.event_type, state: event.state }, `3CX ${event.event_type}: call workflow signalled`);
    res.status(202).json({ status: 'accepted', workflow_id: workflowId, call_id: event.call_id, status_url: statusUrl, duplicate: false });
  });

  return router;
}
