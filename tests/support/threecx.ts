import { signThreeCxBody } from '../../src/integrations/threecx/signature';
import { TEST_3CX_SECRET } from './stack';

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
