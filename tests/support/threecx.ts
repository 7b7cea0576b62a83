import { signThreeCxBody } from '../../src/integrations/threecx/signature';
import type { SimulatedCall } from '../../simulators/threecx';
import { TEST_3CX_SECRET, type TestStack } from './stack';

export function incomingCall(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_type: 'IncomingCall',
    call_id: String(Math.floor(Math.random() * 1e9)),
    caller_id: '+4915112345678',
    called_number: '+4930123456',
    timestamp: new Date().toISOString(),
    direction: 'In',
    pbx: 'acme.3cx.eu',
    ...overrides,
  };
}

/**
 * The IncomingCall a Call Flow Designer app would post for a call on the stack's simulated PBX: same
 * PBX name and 3CX call id, so it names the call the gateway sees (or will see) on its route point.
 */
export function incomingCallFor(stack: TestStack, call: Pick<SimulatedCall, 'callid' | 'callerNumber'>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return incomingCall({ call_id: String(call.callid), caller_id: call.callerNumber, pbx: stack.pbxName, ...overrides });
}

/** The 3CX call id the stack's PBX will give its next call (the simulator counts them up). */
export function nextCallid(stack: TestStack): number {
  return (stack.pbx.calls.at(-1)?.callid ?? 100_000) + 1;
}

/** Posts a body to a 3CX webhook route, signed with the test secret unless told otherwise. */
export async function post3cx(
  apiUrl: string,
  body: unknown,
  { sign = true, raw, path = '/webhook/3cx', headers = {} }: { sign?: boolean; raw?: string; path?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; json: any }> {
  const text = raw ?? JSON.stringify(body);
  const res = await fetch(`${apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(sign ? { 'x-3cx-signature': signThreeCxBody(text, TEST_3CX_SECRET) } : {}), ...headers },
    body: text,
  });
  const json: unknown = await res.json().catch(() => null);
  return { status: res.status, json };
}
