import { signThreeCxBody } from '../integrations/threecx/signature';

/** A copy-paste `curl` that posts a (signed, when a secret is set) 3CX IncomingCall. */
export function sampleWebhookCurl(apiUrl: string, secret: string | undefined, callId = String(Date.now() % 1_000_000)): string {
  const body = JSON.stringify({
    event_type: 'IncomingCall',
    call_id: callId,
    caller_id: '+4915112345678',
    called_number: '+4930123456',
    timestamp: new Date().toISOString(),
    direction: 'In',
    pbx: 'demo.3cx.local',
  });
  const signature = secret ? ` \\\n  -H 'X-3CX-Signature: ${signThreeCxBody(body, secret)}'` : '';
  return `curl -sS -X POST ${apiUrl}/webhook/3cx -H 'Content-Type: application/json'${signature} \\\n  -d '${body}'\n` +
    `curl -sS ${apiUrl}/calls/call-demo.3cx.local-${callId}`;
}
