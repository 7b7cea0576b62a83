import type { SandboxState } from '../state';
import { delay, pickLatency } from '../util';
import type { SandboxResponse } from './error-bodies';
import type { ParsedForm } from './request-body';
import type { HandlerResponse } from './response';

export interface HandlerInput {
  params: Record<string, string>;
  query: URLSearchParams;
  json: unknown;
  jsonError: boolean;
  form: ParsedForm | undefined;
  formError: boolean;
  /** Aborted when the client disconnects (or the sandbox closes). */
  signal: AbortSignal;
}

export type Handler = (state: SandboxState, input: HandlerInput) => Promise<HandlerResponse>;

export const ok = (json: unknown): SandboxResponse => ({ status: 200, json });

export async function apiLatency(state: SandboxState, signal: AbortSignal): Promise<void> {
  await delay(pickLatency(state.config.apiLatencyMs, state.random), signal);
}

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export const TRUE_STRINGS = new Set(['true', '1', 'yes', 'on', 't', 'y']);
export const FALSE_STRINGS = new Set(['false', '0', 'no', 'off', 'f', 'n']);
