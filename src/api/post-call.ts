import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { completionFromConversation } from '../calls/completion';
import { callWorkflowId, type CallCompletedEvent } from '../contracts/call';
import { callCompletedSignal } from '../contracts/messages';
import type { PrismaClient } from '../db/prisma';
import { storableJson, storableText } from '../db/storable';
import { Prisma } from '../generated/prisma/client';
import { postCallUserId, type PostCallWebhookEvent } from '../integrations/elevenlabs/postcall-payload';
import { HttpError } from './errors';

export type PostCallRoutable = Extract<PostCallWebhookEvent, { kind: 'post_call_transcription' | 'call_initiation_failure' }>;

export type DeliveryOutcome =
  | { status: 'delivered'; callId: string }
  | { status: 'duplicate'; callId: string | null }
  | { status: 'stored'; callId: string | null; reason: 'unknown_call' | 'call_not_running' };

/**
 * Ids we store and route by must fit our columns (255), be well-formed text and carry no NUL
 * (PostgreSQL and Temporal refuse those): otherwise a 400 before anything is written.
 */
export function assertStorableIds(event: PostCallRoutable): void {
  const ids: [string, string | null | undefined][] = [
    ['data.conversation_id', event.data.conversation_id],
    ['data.user_id', event.data.user_id],
  ];
  for (const [field, value] of ids) {
    if (value == null) continue;
    if (value.length > 255 || !value.isWellFormed() || value.includes('\u0000')) {
      throw new HttpError(400, 'validation_failed', `Invalid post-call webhook: ${field}: must be at most 255 well-formed characters without NUL`, [
        { field, message: 'must be at most 255 well-formed characters without NUL' },
      ]);
    }
  }
}

/** What the call workflow is told about one of its conversations. */
export function toCallCompleted(event: PostCallRoutable): CallCompletedEvent {
  if (event.kind === 'call_initiation_failure') {
    return {
      conversationId: event.data.conversation_id,
      kind: 'call_initiation_failure',
      status: 'failed',
      durationSeconds: null,
      transcript: null,
      failureReason: storableText(event.data.failure_reason),
    };
  }
  const { data } = event;
  return completionFromConversation({
    conversationId: data.conversation_id,
    status: data.status,
    durationSeconds: data.metadata.call_duration_secs ?? null,
    terminationReason: data.metadata.termination_reason ?? null,
    turns: data.transcript ?? [],
  });
}

/** The call workflow's type (the function's name in src/workflows). */
const CALL_WORKFLOW_TYPE = 'callWorkflow';

/**
 * `user_id` is whatever the conversation was started with, and a workflow id is all a signal
 * needs: only an id of callWorkflowId's form (`call-<pbx>-<id>`, each part percent-encoded) is taken.
 */
function asCallId(userId: string | null): string | null {
  const parts = userId?.split('-');
  if (!userId || parts?.length !== 3 || parts[0] !== 'call') return null;
  try {
    return callWorkflowId(decodeURIComponent(parts[1]!), decodeURIComponent(parts[2]!)) === userId ? userId : null;
  } catch {
    return null;
  }
}

/**
 * Stores the webhook (its payload is the record of the conversation) and hands it to the call's
 * workflow. (type, conversation_id) is unique: a re-delivered webhook that was already handed over
 * changes nothing; one that was stored but not handed over (Temporal was unreachable) is handed
 * over now. The call is found by `user_id` (our call id) or by the conversation id we recorded.
 */
export async function deliverPostCallEvent(prisma: PrismaClient, temporal: Client, event: PostCallRoutable): Promise<DeliveryOutcome> {
  const conversationId = event.data.conversation_id;
  const known = await prisma.callConversation.findUnique({ where: { conversationId } });
  const callId = known?.callId ?? asCallId(postCallUserId(event));

  let row = await prisma.postCallEvent.findUnique({ where: { eventType_conversationId: { eventType: event.kind, conversationId } } });
  if (row?.deliveredAt) return { status: 'duplicate', callId: row.callId };
  if (!row) {
    try {
      row = await prisma.postCallEvent.create({
        data: { eventType: event.kind, conversationId, callId, payload: storableJson(event.data) as Prisma.InputJsonObject },
      });
    } catch (err) {
      // A concurrent re-delivery stored it first.
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') return { status: 'duplicate', callId };
      throw err;
    }
  }
  if (!callId) return { status: 'stored', callId: null, reason: 'unknown_call' };
  const handle = temporal.workflow.getHandle(callId);
  try {
    // Another workflow under a call's id is not ours to signal.
    if ((await handle.describe()).type !== CALL_WORKFLOW_TYPE) return { status: 'stored', callId: null, reason: 'unknown_call' };
    await handle.signal(callCompletedSignal, toCallCompleted(event));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { status: 'stored', callId, reason: 'call_not_running' };
    throw err;
  }
  await prisma.postCallEvent.update({ where: { id: row.id }, data: { deliveredAt: new Date() } });
  return { status: 'delivered', callId };
}
