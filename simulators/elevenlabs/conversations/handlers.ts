import { errorBodies, issue, type ValidationIssueBody } from '../http/error-bodies';
import { type Handler, apiLatency, ok } from '../http/handler';
import type { SandboxState } from '../state';
import { nowMs } from '../util';
import type { SandboxConversation } from './model';
import { conversationSummaryWire, conversationWire } from './wire';

/** GET /v1/convai/conversations/{conversation_id} [SPEC get_conversation_history_route]. */
export const getConversation: Handler = async (state, input) => {
  await apiLatency(state, input.signal);
  const id = input.params.conversationId ?? '';
  const conversation = state.conversations.get(id);
  return conversation === undefined ? errorBodies.conversationNotFound(id) : ok(conversationWire(conversation, nowMs()));
};

function intParam(query: URLSearchParams, name: string, issues: ValidationIssueBody[]): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) {
    issues.push(issue.int(['query', name]));
    return undefined;
  }
  return Number(raw);
}

interface ListQuery {
  agentId: string | null;
  userId: string | null;
  after: number | undefined;
  before: number | undefined;
  pageSize: number;
  offset: number;
}

function parseListQuery(query: URLSearchParams): ListQuery | ValidationIssueBody[] {
  const issues: ValidationIssueBody[] = [];
  const after = intParam(query, 'call_start_after_unix', issues);
  const before = intParam(query, 'call_start_before_unix', issues);
  const pageSize = intParam(query, 'page_size', issues) ?? 30;
  if (pageSize < 1 || pageSize > 100) issues.push({ loc: ['query', 'page_size'], msg: 'Input should be less than or equal to 100', type: 'less_than_equal' });
  const cursor = query.get('cursor');
  let offset = 0;
  if (cursor !== null && cursor !== '') {
    offset = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0) issues.push(issue.value(['query', 'cursor'], 'Value error, invalid cursor'));
  }
  if (issues.length > 0) return issues;
  return { agentId: query.get('agent_id'), userId: query.get('user_id'), after, before, pageSize, offset };
}

function matching(state: SandboxState, q: ListQuery): SandboxConversation[] {
  const startSecs = (c: SandboxConversation): number => Math.floor(c.startedAtMs / 1000);
  return [...state.conversations.values()]
    .filter((c) => q.agentId === null || c.agentId === q.agentId)
    .filter((c) => q.userId === null || c.userId === q.userId)
    .filter((c) => q.after === undefined || startSecs(c) >= q.after)
    .filter((c) => q.before === undefined || startSecs(c) <= q.before)
    .sort((a, b) => b.startedAtMs - a.startedAtMs);
}

/** GET /v1/convai/conversations [SPEC get_conversation_histories_route]: newest first, cursor pages. */
export const listConversations: Handler = async (state, input) => {
  const q = parseListQuery(input.query);
  if (Array.isArray(q)) return errorBodies.validation(q);
  await apiLatency(state, input.signal);
  const all = matching(state, q);
  const page = all.slice(q.offset, q.offset + q.pageSize);
  const hasMore = q.offset + q.pageSize < all.length;
  const now = nowMs();
  return ok({
    conversations: page.map((c) => conversationSummaryWire(c, now, state.agents.agents.get(c.agentId)?.name ?? null)),
    next_cursor: hasMore ? Buffer.from(String(q.offset + q.pageSize), 'utf8').toString('base64url') : null,
    has_more: hasMore,
  });
};
