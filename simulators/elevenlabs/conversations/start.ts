import type { StoredAgent } from '../agents/settings';
import type { SandboxState } from '../state';
import type { ConversationChannel } from '../types';
import { nowMs } from '../util';
import type { InitData } from './client-data';
import { createConversation, renderTemplate, type SandboxConversation, type SandboxPhoneCall } from './model';

export interface StartInput {
  agent: StoredAgent;
  init: InitData;
  channel: ConversationChannel;
  phoneCall: SandboxPhoneCall | null;
  /** SIP media is G.711/G.722 whatever the agent's formats ([ELD] guides/sip-trunking.mdx "Audio format"). */
  formats: { userInput: string; agentOutput: string };
  conversationId?: string;
}

/** Creates and stores the conversation: the agent speaks in the override voice, else its own. */
export function startConversation(state: SandboxState, input: StartInput): SandboxConversation {
  const { agent, init } = input;
  const conversation = createConversation(
    {
      conversationId: input.conversationId,
      agentId: agent.agentId,
      channel: input.channel,
      phoneCall: input.phoneCall,
      clientData: init.raw,
      userId: init.userId,
      dynamicVariables: init.dynamicVariables,
      voiceId: init.voiceId ?? agent.voiceId,
      firstMessage: renderTemplate(init.firstMessage ?? agent.firstMessage, init.dynamicVariables),
      userInputFormat: input.formats.userInput,
      agentOutputFormat: input.formats.agentOutput,
      initiationSource: input.channel === 'sip' ? 'sip_trunk' : (init.source ?? 'unknown'),
    },
    nowMs(),
  );
  state.conversations.set(conversation.conversationId, conversation);
  state.events.emit('conversation', conversation);
  return conversation;
}
