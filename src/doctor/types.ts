import type { Config } from '../config';
import type { ElevenLabsClient } from '../integrations/elevenlabs/client';
import type { CallControl } from '../integrations/threecx/call-control';

export type CheckArea = 'elevenlabs' | 'threecx' | 'config';
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skipped';

/** One finding. `fix` says where to change what (3CX admin console, ElevenLabs dashboard, API call, setting); null when nothing is to be done. */
export interface DoctorCheck {
  id: string;
  area: CheckArea;
  status: CheckStatus;
  message: string;
  fix: string | null;
}

export interface DoctorReport {
  mode: Config['handoff']['mode'];
  checks: DoctorCheck[];
  counts: Record<CheckStatus, number>;
  /** No check failed (warnings allowed). */
  ok: boolean;
  durationMs: number;
}

export interface ThreeCxTarget {
  url: string;
  clientId: string;
  clientSecret: string;
}

export interface DoctorDeps {
  config: Config;
  /** An open client to reuse (the gateway's); else one is built from config.elevenlabs (only when ELEVENLABS_API_KEY is set) and closed after. */
  elevenlabs?: ElevenLabsClient;
  /** Default ELEVENLABS_AGENT_ID. */
  agentId?: string;
  /**
   * Default THREECX_URL / THREECX_CLIENT_ID / THREECX_CLIENT_SECRET when all three are set. false:
   * do not contact 3CX (the 3CX checks are reported as skipped).
   */
  threecx?: ThreeCxTarget | false;
  /**
   * The gateway's own Call Control. 3CX keeps one live token per API client, and minting another
   * ends the streams of the holder of the old one, so a running gateway must lend its own: it is
   * then neither started nor closed here, only observed.
   */
  callControl?: CallControl;
  /** How long the event socket may take to connect. Default 5000 ms. */
  eventSocketTimeoutMs?: number;
}

/** Builds the checks of one area: `check.ok(id, message)`, `check.fail(id, message, fix)`, … */
export function checksFor(area: CheckArea) {
  const make =
    (status: CheckStatus) =>
    (id: string, message: string, fix: string | null = null): DoctorCheck => ({ id, area, status, message, fix });
  return { ok: make('ok'), warn: make('warn'), fail: make('fail'), skipped: make('skipped') };
}
