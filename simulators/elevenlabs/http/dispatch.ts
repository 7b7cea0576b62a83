import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxState } from '../state';
import type { SandboxRequestRecord } from '../types';
import { runControl, type SandboxControls } from './control-routes';
import { errorBodies } from './error-bodies';
import type { ParsedBody } from './request-handler';
import { isAudioResponse } from './response';
import { writeAudio, writeJson } from './respond';
import type { Route } from './router';
import { HOLD, RESET, runApi } from './run-api';

export interface ControlsAndHolds extends SandboxControls {
  /** Responses held open by a 'timeout' failure; reset() destroys them. */
  held: Set<ServerResponse>;
}

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  record: SandboxRequestRecord;
  route: Route | 'method_not_allowed' | undefined;
  isControl: boolean;
  parsed: ParsedBody;
  signal: AbortSignal;
}

async function answerApi(state: SandboxState, controls: ControlsAndHolds, x: Exchange, route: Route): Promise<void> {
  const input = { params: route.params, query: x.url.searchParams, ...x.parsed, signal: x.signal };
  const outcome = await runApi(state, route, input, x.record);
  if (outcome === HOLD) {
    controls.held.add(x.res);
    x.res.on('close', () => controls.held.delete(x.res));
    return;
  }
  if (outcome === RESET) {
    x.req.socket.destroy();
    return;
  }
  if (isAudioResponse(outcome)) await writeAudio(x.res, x.record, outcome, state.events, x.signal);
  else writeJson(x.res, x.record, outcome, state.events);
}

export async function answer(state: SandboxState, controls: ControlsAndHolds, x: Exchange): Promise<void> {
  const reply = (response: Parameters<typeof writeJson>[2]): void => writeJson(x.res, x.record, response, state.events);
  try {
    if (x.isControl) {
      reply(x.parsed.jsonError ? errorBodies.plain(400, 'body is not JSON') : runControl(state, controls, x.req.method ?? 'GET', x.url.pathname, x.parsed.json));
    } else if (x.route === undefined) {
      reply(errorBodies.plain(404, 'Not Found'));
    } else if (x.route === 'method_not_allowed') {
      reply(errorBodies.plain(405, 'Method Not Allowed'));
    } else {
      await answerApi(state, controls, x, x.route);
    }
  } catch (error) {
    // A reset aborts in-flight handlers; their clients still get an answer unless they already left.
    if (x.record.clientAborted === true) return;
    reply(errorBodies.plain(500, `Sandbox error: ${(error as Error).message}`));
  }
}
