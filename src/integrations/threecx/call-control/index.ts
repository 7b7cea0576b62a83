import pino from 'pino';
import { Pool } from 'undici';
import type { Logger } from '../../../logger';
import { CallControlEvents } from './event-socket';
import { pbxAddress } from './http-exchange';
import { CallControlClient } from './rest';
import { CallControlStreams } from './streams';
import { CallControlTokens } from './token';

export * from './errors';
export type { CallControlEventMap, DtmfEvent, EntityEvent, EventCounters } from './event-socket';
export { CallControlEvents } from './event-socket';
export type { ActionBody, ActionResult, DivertReason, Entity, ParticipantAction, RequestOptions } from './rest';
export { CallControlClient } from './rest';
export type { CaptureEnd, CaptureOptions, CaptureStream, PlaybackOptions, PlaybackStream } from './streams';
export { CallControlStreams } from './streams';
export type { StreamLease, TokenCounters } from './token';
export { CallControlTokens } from './token';
export type { CallParticipant, DNDevice, DNInfo, EntityRef, FinalStatus } from './types';
export { normaliseFinalStatus, parseEntityPath } from './types';

export interface CallControlConfig {
  /** The PBX, e.g. `https://acme.3cx.eu:5001`. */
  url: string;
  /** The API client's Client ID (also the route-point DN). */
  clientId: string;
  clientSecret: string;
  requestTimeoutMs: number;
  tokenRefreshSeconds: number;
  wsPingSeconds: number;
  reconnectMaxSeconds: number;
  logger?: Logger;
}

export interface CallControl {
  tokens: CallControlTokens;
  rest: CallControlClient;
  /** Not connected until `events.start()`. */
  events: CallControlEvents;
  streams: CallControlStreams;
  /** Closes the event socket and every pooled connection (open streams included). */
  close(): Promise<void>;
}

/** Everything one gateway needs to talk to one PBX, sharing one token and one keep-alive pool. */
export function createCallControl(config: CallControlConfig): CallControl {
  const logger = config.logger ?? pino({ level: 'silent' });
  const pbx = pbxAddress(config.url);
  const dispatcher = new Pool(pbx.origin, { keepAliveTimeout: 30_000 });
  const tokens = new CallControlTokens({
    pbx,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    dispatcher,
    refreshAfterSeconds: config.tokenRefreshSeconds,
    requestTimeoutMs: config.requestTimeoutMs,
    logger,
  });
  const rest = new CallControlClient({ pbx, tokens, dispatcher, requestTimeoutMs: config.requestTimeoutMs, logger });
  const events = new CallControlEvents({
    pbx,
    tokens,
    pingSeconds: config.wsPingSeconds,
    reconnectMaxSeconds: config.reconnectMaxSeconds,
    handshakeTimeoutMs: config.requestTimeoutMs,
    logger,
  });
  const streams = new CallControlStreams({ pbx, tokens, dispatcher, requestTimeoutMs: config.requestTimeoutMs, logger });
  return {
    tokens,
    rest,
    events,
    streams,
    close: async () => {
      await events.close();
      await dispatcher.destroy();
    },
  };
}
