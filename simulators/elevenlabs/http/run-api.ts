import type { SandboxState } from '../state';
import type { FailureSpec, SandboxRequestRecord } from '../types';
import { delay, pickLatency } from '../util';
import { errorBodies } from './error-bodies';
import type { HandlerInput } from './handler';
import type { HandlerResponse } from './response';
import { HANDLERS, type Route } from './router';

/** Keep the request open until the client or a reset drops it. */
export const HOLD = Symbol('hold');
/** Destroy the TCP connection without an answer. */
export const RESET = Symbol('reset');
export type Outcome = HandlerResponse | typeof HOLD | typeof RESET;

async function injectFailure(state: SandboxState, route: Route, input: HandlerInput, failure: FailureSpec): Promise<Outcome> {
  const handler = HANDLERS[route.endpoint];
  const latency = (): Promise<void> => delay(pickLatency(state.config.apiLatencyMs, state.random), input.signal);
  const effectThenLatency = async (): Promise<void> => {
    if (failure.applyEffect === true) await handler(state, input);
    else await latency();
  };
  switch (failure.kind) {
    case 'timeout':
      if (failure.applyEffect === true) await handler(state, input);
      return HOLD;
    case 'reset':
      await effectThenLatency();
      return RESET;
    case '500':
      await effectThenLatency();
      return errorBodies.internal();
  }
  await latency();
  switch (failure.kind) {
    case '429':
      return errorBodies.tooManyConcurrentRequests(failure.retryAfter);
    case 'system_busy':
      return errorBodies.systemBusy(failure.retryAfter);
    case 'voice_limit_reached':
      return errorBodies.voiceLimitReached(state.voices.slotsUsed, state.config.voiceLimit);
    case 'invalid_api_key':
      return errorBodies.invalidApiKey();
    case 'quota_exceeded':
      return errorBodies.quotaExceeded();
  }
}

/** Auth, then failure injection, then the real handler. */
export async function runApi(state: SandboxState, route: Route, input: HandlerInput, record: SandboxRequestRecord): Promise<Outcome> {
  if (!record.apiKeyValid) {
    await delay(pickLatency(state.config.apiLatencyMs, state.random), input.signal);
    return errorBodies.invalidApiKey();
  }
  const failure = state.failures.take(route.endpoint);
  if (failure === undefined) return HANDLERS[route.endpoint](state, input);
  record.injectedFailure = failure.kind;
  return injectFailure(state, route, input, failure);
}
