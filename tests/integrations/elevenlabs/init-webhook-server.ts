import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  buildConversationInitResponse,
  type ConversationInitiation,
  type ConversationInitRequest,
  parseConversationInitRequest,
} from '../../../src/integrations/elevenlabs/conversation-init';

export interface InitWebhookExchange {
  headers: IncomingHttpHeaders;
  request: ConversationInitRequest | null;
  response: unknown;
}

export interface InitWebhookServer {
  url: string;
  exchanges: InitWebhookExchange[];
  close(): Promise<void>;
}

/**
 * A conversation-initiation webhook endpoint for tests: parses what ElevenLabs POSTs with
 * parseConversationInitRequest and answers buildConversationInitResponse(decide(request)).
 */
export async function startInitWebhookServer(decide: (request: ConversationInitRequest | null) => ConversationInitiation): Promise<InitWebhookServer> {
  const exchanges: InitWebhookExchange[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let json: unknown;
      try {
        json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        json = undefined;
      }
      const request = parseConversationInitRequest(json);
      const response = buildConversationInitResponse(decide(request));
      exchanges.push({ headers: req.headers, request, response });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(response));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/elevenlabs/conversation-init`,
    exchanges,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
