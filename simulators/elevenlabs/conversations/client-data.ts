import type { StoredAgent } from '../agents/settings';
import { isObject, type Json } from '../http/handler';
import type { DynamicValue } from './model';

/** conversation_initiation_client_data as the agent uses it ([ELD] fern/apis/convai/asyncapi.yml ConversationInitiationClientData; [SPEC] ConversationInitiationClientDataRequest-Input). */
export interface InitData {
  /** The message as received (null: none was sent). */
  raw: Json | null;
  userId: string | null;
  dynamicVariables: Record<string, DynamicValue>;
  voiceId?: string;
  firstMessage?: string;
  language?: string;
  prompt?: string;
  /** source_info.source [SPEC ConversationInitiationSourceInfo]. */
  source?: string;
}

export const NO_INIT_DATA: InitData = { raw: null, userId: null, dynamicVariables: {} };

const stringAt = (obj: unknown, key: string): string | undefined => (isObject(obj) && typeof obj[key] === 'string' ? obj[key] : undefined);

function dynamicVariablesOf(value: unknown): Record<string, DynamicValue> {
  if (!isObject(value)) return {};
  const out: Record<string, DynamicValue> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

/** Reads the fields the sandbox acts on; values of the wrong type are ignored. */
export function parseInitData(raw: Json): InitData {
  const override = isObject(raw.conversation_config_override) ? raw.conversation_config_override : {};
  const agent = override.agent;
  return {
    raw,
    userId: typeof raw.user_id === 'string' ? raw.user_id : null,
    dynamicVariables: dynamicVariablesOf(raw.dynamic_variables),
    voiceId: stringAt(override.tts, 'voice_id'),
    firstMessage: stringAt(agent, 'first_message'),
    language: stringAt(agent, 'language'),
    prompt: isObject(agent) ? stringAt(agent.prompt, 'prompt') : undefined,
    source: stringAt(raw.source_info, 'source'),
  };
}

/**
 * The override the agent does not allow, as the platform words it: overrides are rejected unless
 * enabled ([ELD] customization/overrides.mdx "An error will be thrown if an override is provided for
 * a field that does not have overrides enabled"); the message is the one seen by client code.
 */
export function refusedOverride(init: InitData, agent: StoredAgent): string | null {
  const checks: [string, unknown, boolean][] = [
    ['voice_id', init.voiceId, agent.overrides.voiceId],
    ['first_message', init.firstMessage, agent.overrides.firstMessage],
    ['language', init.language, agent.overrides.language],
    ['prompt', init.prompt, agent.overrides.prompt],
  ];
  const refused = checks.find(([, value, allowed]) => value !== undefined && !allowed);
  return refused === undefined ? null : `Override for field '${refused[0]}' is not allowed by config`;
}
