import { DEFAULT_AGENT_ID, type ElevenLabsSandbox, RACHEL_VOICE_ID, startElevenLabsSandbox } from '../../../simulators/elevenlabs';
import type { ConversationInitiation } from '../../../src/integrations/elevenlabs/conversation-init';
import { type InitWebhookServer, startInitWebhookServer } from './init-webhook-server';

const TRUNK_NUMBER = '+4930123450001';
const CALLER = '+4917012345678';

/** Inbound SIP calls on the sandbox: it POSTs our conversation-init webhook and starts with our answer. */
describe('conversation-initiation webhook (SIP mode) against the sandbox', () => {
  let sandbox: ElevenLabsSandbox;
  let webhook: InitWebhookServer;
  let answer: ConversationInitiation;

  beforeAll(async () => {
    webhook = await startInitWebhookServer(() => answer);
    sandbox = await startElevenLabsSandbox({
      apiKey: 'k',
      sipNumbers: { [TRUNK_NUMBER]: DEFAULT_AGENT_ID },
      conversationInitWebhook: { url: webhook.url, headers: { authorization: 'Bearer init-secret' } },
      agentFirstAudioLatencyMs: 10,
      callDurationMs: 30_000,
    });
  });
  beforeEach(() => {
    answer = { voiceId: RACHEL_VOICE_ID, firstMessage: 'Hi {{caller_name}}', dynamicVariables: { caller_name: 'Ana', call_ref: 'ref-7' }, userId: 'ref-7' };
    webhook.exchanges.length = 0;
  });
  afterEach(() => sandbox.reset());
  afterAll(async () => {
    await sandbox.close();
    await webhook.close();
  });

  const invite = async () => {
    const result = await sandbox.sip.invite({ toNumber: TRUNK_NUMBER, callerId: CALLER, callSid: 'sip-call-1' });
    if (!('rejected' in result)) result.hangUp();
    return result;
  };

  it('reads the request and the conversation starts with our voice, first message, variables and user_id', async () => {
    const call = await invite();
    if ('rejected' in call) throw new Error(call.rejected);

    expect(webhook.exchanges).toHaveLength(1);
    const [exchange] = webhook.exchanges;
    expect(exchange!.headers.authorization).toBe('Bearer init-secret');
    expect(exchange!.request).toMatchObject({
      callerId: CALLER,
      agentId: DEFAULT_AGENT_ID,
      calledNumber: TRUNK_NUMBER,
      callSid: 'sip-call-1',
      conversationId: call.conversationId,
    });

    const conversation = sandbox.conversations.get(call.conversationId)!;
    expect(conversation).toMatchObject({ voiceId: RACHEL_VOICE_ID, firstMessage: 'Hi Ana', userId: 'ref-7', dynamicVariables: { caller_name: 'Ana', call_ref: 'ref-7' } });
    expect(sandbox.initWebhookCalls.at(-1)?.outcome).toBe('used');
  });

  it('no overrides: the agent starts with its own voice and first message', async () => {
    answer = { voiceId: null, firstMessage: null, dynamicVariables: { call_ref: 'ref-8' }, userId: 'ref-8' };
    const call = await invite();
    if ('rejected' in call) throw new Error(call.rejected);
    expect(webhook.exchanges[0]!.response).toEqual({ type: 'conversation_initiation_client_data', dynamic_variables: { call_ref: 'ref-8' }, user_id: 'ref-8' });
    expect(sandbox.conversations.get(call.conversationId)).toMatchObject({ voiceId: RACHEL_VOICE_ID, firstMessage: 'Hello! How can I help you today?', userId: 'ref-8' });
  });

  it('an override the agent does not allow gets the call refused; leaving it out does not', async () => {
    sandbox.configureAgent(DEFAULT_AGENT_ID, { overrides: { voiceId: false } });
    expect(await invite()).toEqual({ rejected: "Override for field 'voice_id' is not allowed by config" });
    answer = { ...answer, voiceId: null };
    expect(await invite()).toHaveProperty('conversationId');
  });
});
