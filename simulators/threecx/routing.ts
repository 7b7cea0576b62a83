import { performance } from 'node:perf_hooks';
import { humanVoiceId, synthesizeSpeech } from '../audio';
import type { CallImpl } from './calls';
import { LoopSource, PlayoutBuffer, bytesIn } from './ear';
import type { Faults } from './faults';
import type { ExternalLine, ExternalParty, LocalDestination, RouteAttempt } from './types';
import type { CallRequestStatusName } from './wire';

export type RouteAction = RouteAttempt['action'];

export interface RouteSettings {
  localDestinations: Record<string, LocalDestination>;
  externalLine: ExternalLine | undefined;
  faults: Faults;
}

export interface RouteOutcome {
  finalstatus: CallRequestStatusName;
  reason: string | null;
  reasontext: string | null;
}

const DEFAULT_HUMAN_LINE = 'Hello, you are through to the service desk, how can I help?';
const HUMAN_PAUSE_MS = 600;

const speechCache = new Map<string, Buffer>();

/**
 * What the human at a local destination keeps saying. Synthesis takes long enough (hundreds of ms
 * under jest) to stall every stream in the process, so server.ts renders it at start-up.
 */
export function humanSpeech(destination: string, local: LocalDestination): Buffer {
  const voiceId = local.voiceId ?? humanVoiceId(destination);
  const text = local.text ?? DEFAULT_HUMAN_LINE;
  const key = `${voiceId}\u0000${text}`;
  let pcm = speechCache.get(key);
  if (pcm === undefined) {
    pcm = Buffer.concat([synthesizeSpeech(voiceId, text), Buffer.alloc(bytesIn(HUMAN_PAUSE_MS))]);
    speechCache.set(key, pcm);
  }
  return pcm;
}

type Race<T> = { kind: 'answered'; value: T } | { kind: 'timeout' } | { kind: 'aborted'; reason: string } | { kind: 'error'; message: string };

/**
 * routeto / transferto / divert to `destination` [NET RouteToAsync]: "only one may answer. The
 * answering connection is replacing the parent connection. If all destinations have failed, task is
 * completed with failed state and Parent connection left alive." So on answer the route-point
 * participant is removed and the caller bridged; on failure or timeout it stays, streams and all.
 * A local destination (extension/queue) is answered by a tone-voice "human"; anything else goes out
 * through an outbound rule to `externalLine` (DestinationType.External [NET], D).
 */
export async function routeCall(call: CallImpl, action: RouteAction, destination: string, timeoutSeconds: number, settings: RouteSettings): Promise<RouteOutcome> {
  const attempt: RouteAttempt = { action, destination, timeoutSeconds, at: Date.now(), outcome: 'pending', reasontext: null };
  call.routeAttempts.push(attempt);
  const finish = (outcome: RouteAttempt['outcome'], finalstatus: CallRequestStatusName, reasontext: string | null, reason: string | null = null): RouteOutcome => {
    attempt.outcome = outcome;
    attempt.reasontext = reasontext;
    return { finalstatus, reason, reasontext };
  };

  const failure = settings.faults.takeRouteFailure(destination);
  if (failure !== null) {
    const finalstatus = failure.finalstatus ?? 'Failed';
    return finish(finalstatus === 'Rejected' ? 'rejected' : 'failed', finalstatus, failure.reasontext ?? 'Route failed (simulated)', failure.reason ?? null);
  }

  const controller = new AbortController();
  call.routeAborts.add(controller);
  try {
    const timeoutMs = timeoutSeconds * 1000;
    if (settings.faults.takeRouteNoAnswer(destination)) {
      const race = await raceAnswer(new Promise<never>(() => undefined), timeoutMs, controller);
      return race.kind === 'aborted' ? finish('failed', 'Failed', race.reason) : finish('no-answer', 'Failed', 'No answer');
    }
    const local = settings.localDestinations[destination];
    if (local !== undefined) {
      const race = await raceAnswer(delay(local.answerAfterMs, controller.signal), timeoutMs, controller);
      if (race.kind !== 'answered') return finishUnanswered(race, finish);
      if (!call.onRoutePoint) return finish('failed', 'Failed', 'Participant is gone');
      const voice = new LoopSource(humanSpeech(destination, local));
      takeOver(call, controller);
      call.bridge({ kind: 'local', destination }, voice, null);
      return finish('answered', 'Success', null);
    }
    const info = { callid: call.callid, participantId: call.participantId, callerNumber: call.callerNumber, callerName: call.callerName, did: call.did, destination, action, signal: controller.signal };
    let dialled: ReturnType<ExternalLine> | undefined;
    try {
      dialled = settings.externalLine?.(destination, info);
    } catch (error) {
      return finish('failed', 'Failed', error instanceof Error ? error.message : String(error));
    }
    if (dialled === null || dialled === undefined) return finish('failed', 'Failed', `No outbound rule for ${destination}`);
    const race = await raceAnswer(Promise.resolve(dialled), timeoutMs, controller);
    if (race.kind !== 'answered') {
      // The far end may still answer after 3CX gave up: hang that leg up at once.
      void dialled.then((late) => ('reject' in late ? undefined : late.hangUp()), () => undefined);
      return finishUnanswered(race, finish);
    }
    if ('reject' in race.value) return finish('failed', 'Failed', race.value.reject);
    if (!call.onRoutePoint) {
      race.value.hangUp();
      return finish('failed', 'Failed', 'Participant is gone');
    }
    takeOver(call, controller);
    bridgeExternal(call, destination, race.value);
    return finish('answered', 'Success', null);
  } finally {
    call.routeAborts.delete(controller);
  }
}

function finishUnanswered(race: Exclude<Race<unknown>, { kind: 'answered' }>, finish: (o: RouteAttempt['outcome'], s: CallRequestStatusName, t: string | null) => RouteOutcome): RouteOutcome {
  if (race.kind === 'timeout') return finish('no-answer', 'Failed', 'No answer');
  if (race.kind === 'aborted') return finish('failed', 'Failed', race.reason);
  return finish('failed', 'Failed', race.message);
}

/** Only one destination may answer: every other pending route of the call fails. */
function takeOver(call: CallImpl, winner: AbortController): void {
  for (const other of call.routeAborts) if (other !== winner) other.abort('Another destination answered');
}

function bridgeExternal(call: CallImpl, destination: string, party: ExternalParty): void {
  const playout = new PlayoutBuffer();
  call.bridge({ kind: 'external', destination }, playout, party);
  void (async () => {
    try {
      for await (const chunk of party.audio) {
        if (call.state === 'ended') break;
        playout.push(chunk, performance.now());
      }
    } catch {
      // The far end's audio stopped; its `ended` promise says whether the call is over.
    }
  })();
  const farEndGone = (): void => call.end('far-end-hung-up');
  party.ended.then(farEndGone, farEndGone);
}

function raceAnswer<T>(answer: Promise<T>, timeoutMs: number, controller: AbortController): Promise<Race<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      controller.abort('timeout');
      resolve({ kind: 'timeout' });
    }, timeoutMs);
    const onAbort = (): void => {
      clearTimeout(timer);
      const reason: unknown = controller.signal.reason;
      resolve(reason === 'timeout' ? { kind: 'timeout' } : { kind: 'aborted', reason: typeof reason === 'string' ? reason : 'Call ended' });
    };
    controller.signal.addEventListener('abort', onAbort, { once: true });
    void answer.then(
      (value) => resolve({ kind: 'answered', value }),
      (error: unknown) => resolve({ kind: 'error', message: error instanceof Error ? error.message : String(error) }),
    ).finally(() => {
      clearTimeout(timer);
      controller.signal.removeEventListener('abort', onAbort);
    });
  });
}

/** Settles after `ms`, or never once `signal` aborts (the race has been decided by then). */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  });
}
