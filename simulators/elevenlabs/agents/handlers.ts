import { errorBodies, issue } from '../http/error-bodies';
import { type Handler, apiLatency, ok } from '../http/handler';
import { agentPhoneNumbers } from '../state';
import { agentWire } from './wire';

/** GET /v1/convai/agents/{agent_id} [SPEC get_agent_route → GetAgentResponseModel]. */
export const getAgent: Handler = async (state, input) => {
  await apiLatency(state, input.signal);
  const agentId = input.params.agentId ?? '';
  const agent = state.agents.agents.get(agentId);
  return agent === undefined ? errorBodies.agentNotFound(agentId) : ok(agentWire(agent, agentPhoneNumbers(state, agentId)));
};

/**
 * GET /v1/convai/conversation/get-signed-url?agent_id= [SPEC get_conversation_signed_link →
 * ConversationSignedUrlResponseModel]; the URL's form is from [ELD] customization/authentication.mdx:
 * `wss://…/v1/convai/conversation?agent_id=…&conversation_signature=…` (ws:// here).
 */
export const getSignedUrl: Handler = async (state, input) => {
  const agentId = input.query.get('agent_id');
  if (agentId === null) return errorBodies.validation([issue.missing(['query', 'agent_id'])]);
  await apiLatency(state, input.signal);
  if (!state.agents.agents.has(agentId)) return errorBodies.agentNotFound(agentId);
  const signature = state.signedUrls.issue(agentId, state.config.signedUrlTtlMs);
  const query = new URLSearchParams({ agent_id: agentId, conversation_signature: signature });
  return ok({ signed_url: `${state.wsBaseUrl}/v1/convai/conversation?${query.toString()}` });
};
