import { TEST_AGENT, TEST_INIT_WEBHOOK_SECRET, TEST_SIP_NUMBERS, startTestStack, type TestStack } from '../support/stack';
import { uniqueCaller } from '../support/live-call';
jest.setTimeout(120_000);
let stack: TestStack;
beforeAll(async () => { stack = await startTestStack({ env: { HANDOFF_MODE: 'sip' }, gateway: false }); });
afterAll(async () => { await stack?.stop(); });
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(1); };
test('measure', async () => {
  const post = async (body: unknown) => { const t = performance.now(); const r = await fetch(`${stack.apiUrl}/webhook/elevenlabs/conversation-init`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_INIT_WEBHOOK_SECRET}` }, body: JSON.stringify(body) }); await r.json(); return performance.now() - t; };
  for (let i = 0; i < 20; i++) await post({ caller_id: uniqueCaller(), agent_id: TEST_AGENT });
  const matched: number[] = []; const unknown: number[] = [];
  for (let i = 0; i < 300; i++) {
    const callerId = uniqueCaller();
    await stack.db.prisma.pendingHandoff.create({ data: { callId: `call-m-${i}`, attempt: 1, sipNumber: TEST_SIP_NUMBERS[i % 2]!, callerId, voiceId: 'v', voiceSource: 'cache', initiationData: { type: 'conversation_initiation_client_data', dynamic_variables: {}, user_id: `call-m-${i}` }, expiresAt: new Date(Date.now() + 60_000) } });
    matched.push(await post({ caller_id: callerId, agent_id: TEST_AGENT, called_number: TEST_SIP_NUMBERS[i % 2] }));
    unknown.push(await post({ caller_id: uniqueCaller(), agent_id: TEST_AGENT, called_number: '+4930999999999' }));
  }
  console.log('MEASURE matched p50', pct(matched, 0.5), 'p95', pct(matched, 0.95), 'p99', pct(matched, 0.99), 'max', Math.max(...matched).toFixed(1), '| unknown p50', pct(unknown, 0.5), 'p99', pct(unknown, 0.99), 'max', Math.max(...unknown).toFixed(1));
});
