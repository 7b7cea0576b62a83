import { z } from 'zod';
import type { Config } from '../config';
import type { AgentSettings } from '../integrations/elevenlabs/agent-settings';
import { checksFor, type DoctorCheck } from './types';

const check = checksFor('elevenlabs');

const ASSIGN_FIX =
  'Import each number as a SIP-trunk number (ElevenLabs → Agents Platform → Phone numbers → Import number → SIP trunk: the number exactly as 3CX sends it, inbound allowed from the 3CX public IP), then pick this agent for it; or PATCH /v1/convai/phone-numbers/{phone_number_id} {"agent_id":"<ELEVENLABS_AGENT_ID>"}.';

/** SIP mode: the pool of numbers the hand-off routes to (one per concurrent hand-off). */
export function sipNumbersConfiguredCheck(config: Config): DoctorCheck {
  const numbers = config.elevenlabs.sipNumbers;
  if (numbers.length > 0) return check.ok('elevenlabs.sip-numbers', `${numbers.length} SIP-trunk number(s) configured: ${numbers.join(', ')} (at most ${numbers.length} hand-off(s) at once)`);
  return check.fail(
    'elevenlabs.sip-numbers',
    'HANDOFF_MODE=sip but ELEVENLABS_SIP_NUMBERS is empty: no call can be handed to the agent',
    `Set ELEVENLABS_SIP_NUMBERS to the agent's SIP-trunk numbers in E.164 (e.g. +4930123450001,+4930123450002). ${ASSIGN_FIX}`,
  );
}

// GetAgentResponseModel.phone_numbers [SPEC]: GetPhoneNumberTwilioResponseModel | GetPhoneNumberSIPTrunkResponseModel.
const agentPhoneNumbersSchema = z.array(
  z.looseObject({
    phone_number: z.string(),
    phone_number_id: z.string().nullish(),
    provider: z.string().nullish(),
    supports_inbound: z.boolean().nullish(),
  }),
);

/**
 * Each configured number is one of the agent's (the agent's own `phone_numbers`: our client has no
 * method for GET /v1/convai/phone-numbers, so a number assigned to another agent and a number never
 * imported look the same here).
 */
export function sipNumbersAssignedCheck(config: Config, agent: AgentSettings): DoctorCheck {
  const id = 'elevenlabs.sip-numbers-assigned';
  const configured = config.elevenlabs.sipNumbers;
  if (configured.length === 0) return check.skipped(id, 'No ELEVENLABS_SIP_NUMBERS to look for');
  const parsed = agentPhoneNumbersSchema.safeParse(agent.raw.phone_numbers);
  if (!parsed.success) {
    return check.skipped(id, `GET /v1/convai/agents/${agent.agentId} did not list the agent's phone numbers; check them in ElevenLabs → Agents Platform → Phone numbers`, ASSIGN_FIX);
  }
  const byNumber = new Map(parsed.data.map((n) => [n.phone_number.replace(/[^\d+]/g, ''), n]));
  const missing = configured.filter((n) => !byNumber.has(n));
  const notSip = configured.filter((n) => byNumber.get(n)?.provider && byNumber.get(n)?.provider !== 'sip_trunk');
  const noInbound = configured.filter((n) => byNumber.get(n)?.supports_inbound === false);
  const problems = [
    missing.length > 0 && `not assigned to agent ${agent.agentId}: ${missing.join(', ')} (ElevenLabs answers a SIP call to such a number with an error, or with another agent)`,
    notSip.length > 0 && `not SIP-trunk numbers: ${notSip.join(', ')}`,
    noInbound.length > 0 && `inbound calls disabled: ${noInbound.join(', ')}`,
  ].filter((p): p is string => typeof p === 'string');
  if (problems.length > 0) return check.fail(id, `SIP numbers ${problems.join('; ')}`, ASSIGN_FIX);
  return check.ok(id, `All ${configured.length} SIP number(s) are SIP-trunk numbers of agent ${agent.agentId} that take inbound calls`);
}
