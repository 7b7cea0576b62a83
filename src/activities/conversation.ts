import { completionFromConversation } from '../calls/completion';
import type { CallCompletedEvent } from '../contracts/call';
import type { PrismaClient } from '../db/prisma';
import type { ElevenLabsClient } from '../integrations/elevenlabs/client';
import { isElevenLabsError } from '../integrations/elevenlabs/errors';
import { toActivityFailure } from './failures';

export interface ConversationDeps {
  prisma: PrismaClient;
  elevenlabs: ElevenLabsClient;
  agentId: string;
}

/** The lost-webhook recovery: what ElevenLabs itself knows of the call's conversation. */
export function conversationActivities({ prisma, elevenlabs, agentId }: ConversationDeps) {
  return {
    /** The finished conversation; null while ElevenLabs is still running or analysing it. */
    async fetchConversation(conversationId: string): Promise<CallCompletedEvent | null> {
      try {
        const c = await elevenlabs.getConversation(conversationId);
        if (c.status !== 'done' && c.status !== 'failed') return null;
        return completionFromConversation({
          conversationId,
          status: c.status,
          durationSeconds: c.callDurationSecs,
          terminationReason: c.terminationReason,
          turns: c.transcript,
        });
      } catch (err) {
        if (isElevenLabsError(err, 'notFound')) return null;
        throw toActivityFailure(err);
      }
    },

    /**
     * The call's agent conversation when the workflow never learnt its id (SIP mode without a
     * webhook): our tables first (the conversation-init webhook records it when ElevenLabs sends
     * it), then ElevenLabs' list filtered by our call id as `user_id`.
     */
    async findAgentConversation({ callId }: { callId: string }): Promise<string | null> {
      const recorded = await prisma.callConversation.findFirst({ where: { callId } });
      if (recorded) return recorded.conversationId;
      const pending = await prisma.pendingHandoff.findFirst({ where: { callId, conversationId: { not: null } }, orderBy: { createdAt: 'desc' } });
      if (pending?.conversationId) return pending.conversationId;
      try {
        const page = await elevenlabs.listConversations({ agentId, userId: callId });
        return page.conversations[0]?.conversationId ?? null;
      } catch (err) {
        throw toActivityFailure(err);
      }
    },
  };
}
