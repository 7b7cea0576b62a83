import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { MAX_RETRY_AFTER_MS, toActivityFailure } from '../../src/activities/failures';
import { ElevenLabsClient } from '../../src/integrations/elevenlabs/client';

// ElevenLabs answering 429 with a Retry-After, over real HTTP through our client: the failure the
// activity raises tells Temporal when to try again.

let server: Server;
let client: ElevenLabsClient;
let retryAfter = '';

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': retryAfter });
    res.end(JSON.stringify({ detail: { status: 'too_many_concurrent_requests', message: 'Too many concurrent requests.' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new ElevenLabsClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: 'sk_test' });
});
afterAll(async () => {
  await client?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function failureFor(header: string): Promise<ApplicationFailure> {
  retryAfter = header;
  const failure = toActivityFailure(await client.getSubscription().catch((err: unknown) => err));
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect(failure).toMatchObject({ type: 'ElevenLabsRateLimitError', nonRetryable: false });
  return failure as ApplicationFailure;
}

test('a 429 with Retry-After: 600 is retried after 30 s, not ten minutes', async () => {
  expect(MAX_RETRY_AFTER_MS).toBe(30_000);
  const failure = await failureFor('600');
  expect(msToNumber(failure.nextRetryDelay)).toBe(30_000);
});

test('a Retry-After as an HTTP date ten minutes ahead is capped the same way', async () => {
  const failure = await failureFor(new Date(Date.now() + 600_000).toUTCString());
  expect(msToNumber(failure.nextRetryDelay)).toBe(30_000);
});

test('a shorter Retry-After is honoured as sent', async () => {
  const failure = await failureFor('7');
  expect(msToNumber(failure.nextRetryDelay)).toBe(7_000);
});
