import { Agent, request } from 'undici';
import type { WebhookDeliveryRecord, WebhookRetryOptions } from '../types';
import { nowMs } from '../util';
import { signWebhookBody } from './signature';

export interface WebhookTarget {
  url: string;
  secret: string;
  retry: WebhookRetryOptions;
}

function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Sends signed post-call webhooks; retries transient failures (network, 408, 429, 5xx) like ElevenLabs' retry mode. */
export class WebhookSender {
  private readonly agent = new Agent({ keepAliveTimeout: 2_000, connect: { timeout: 2_000 } });
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly onRecord: (record: WebhookDeliveryRecord) => void) {}

  send(target: WebhookTarget, type: WebhookDeliveryRecord['type'], conversationId: string, payload: Record<string, unknown>): void {
    const rawBody = JSON.stringify(payload);
    this.attempt(target, type, conversationId, rawBody, 1);
  }

  private attempt(target: WebhookTarget, type: WebhookDeliveryRecord['type'], conversationId: string, rawBody: string, attempt: number): void {
    if (this.closed) return;
    const signatureHeader = signWebhookBody(rawBody, target.secret, Math.floor(Date.now() / 1000));
    const record: WebhookDeliveryRecord = {
      id: this.nextId++,
      type,
      conversationId,
      attempt,
      url: target.url,
      signatureHeader,
      rawBody,
      sentAt: nowMs(),
      delivered: false,
    };
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timer = setTimeout(() => controller.abort(new Error(`webhook attempt timed out after ${target.retry.timeoutMs} ms`)), target.retry.timeoutMs);

    const run = async (): Promise<boolean> => {
      try {
        const res = await request(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'elevenlabs-signature': signatureHeader, 'user-agent': 'ElevenLabs-Sandbox-Webhook/1.0' },
          body: rawBody,
          signal: controller.signal,
          dispatcher: this.agent,
        });
        await res.body.dump();
        record.status = res.statusCode;
        record.delivered = res.statusCode >= 200 && res.statusCode < 300;
        return !record.delivered && retryableStatus(res.statusCode);
      } catch (error) {
        record.error = controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason.message : (error as Error).message;
        return true;
      } finally {
        clearTimeout(timer);
        this.inFlight.delete(controller);
        record.respondedAt = nowMs();
        this.onRecord(record);
      }
    };

    void run().then((retry) => {
      const delayMs = target.retry.delaysMs[attempt - 1];
      if (!retry || delayMs === undefined || this.closed) return;
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.attempt(target, type, conversationId, rawBody, attempt + 1);
      }, delayMs);
      this.timers.add(t);
    });
  }

  cancelPending(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.inFlight) c.abort(new Error('sandbox reset'));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelPending();
    await this.agent.destroy();
  }
}
