import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ElevenLabsError, type ElevenLabsFailureKind, isElevenLabsError } from '../../../src/integrations/elevenlabs/errors';
import type { VoiceSample } from '../../../src/integrations/elevenlabs/voice-clone-form';
import { makeWav } from '../../../scripts/sine-wav';

/** A short, valid 16-bit mono PCM WAV (a sine tone), so uploads carry real audio bytes. */
export function makeWavSample(fileName = 'sample.wav', durationMs = 200, sampleRate = 8000): VoiceSample {
  return { data: makeWav(durationMs / 1000, sampleRate), fileName, contentType: 'audio/wav' };
}

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  receivedAt: number;
  status: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Status codes to answer with, in order; 200 once exhausted. */
  respondWith(statuses: number[]): void;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let queue: number[] = [];
  const waiters: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = queue.shift() ?? 200;
      received.push({ headers: req.headers, rawBody: Buffer.concat(chunks), receivedAt: Date.now(), status });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : 'fail');
      waiters.splice(0).forEach((w) => w());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/elevenlabs`,
    received,
    respondWith: (statuses) => {
      queue = [...statuses];
    },
    waitFor: (count, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`expected ${count} webhooks, got ${received.length}`)), timeoutMs);
        const check = (): void => {
          if (received.length >= count) {
            clearTimeout(deadline);
            resolve(received.slice(0, count));
          } else waiters.push(check);
        };
        check();
      }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The promise must reject with an ElevenLabsError of this kind. */
export async function expectElevenLabsError<K extends ElevenLabsFailureKind>(promise: Promise<unknown>, kind: K): Promise<ElevenLabsError<K>> {
  try {
    await promise;
  } catch (error) {
    if (isElevenLabsError(error, kind)) return error;
    throw new Error(`expected ElevenLabsError ${kind}, got ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
  }
  throw new Error(`expected ElevenLabsError ${kind}, but the promise resolved`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
