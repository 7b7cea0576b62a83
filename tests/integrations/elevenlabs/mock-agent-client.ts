import { MockAgent } from 'undici';
import { ElevenLabsClient } from '../../../src/integrations/elevenlabs/client';

export const ORIGIN = 'https://api.elevenlabs.test';

export interface MockAgentClient {
  /** Answers only the interceptors a test sets up on ORIGIN; real network access is refused. */
  agent: MockAgent;
  /** Talks to ORIGIN through `agent`, with the API key 'secret-key'. */
  client: ElevenLabsClient;
}

/**
 * Registers beforeEach/afterEach in the calling scope: a fresh agent and client per test, and after
 * each test every interceptor must have been used. The fields are set once beforeEach has run.
 */
export function useMockAgentClient(): MockAgentClient {
  const api = {} as MockAgentClient;
  beforeEach(() => {
    api.agent = new MockAgent();
    api.agent.disableNetConnect();
    api.client = new ElevenLabsClient({ baseUrl: ORIGIN, apiKey: 'secret-key', dispatcher: api.agent });
  });
  afterEach(async () => {
    await api.client.close();
    api.agent.assertNoPendingInterceptors();
    await api.agent.close();
  });
  return api;
}
