import { randomBytes } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../../src/activities';
import type { CallInput, CallOutcome, CallSettings } from '../../../src/contracts/call';
import { gatewayTaskQueue } from '../../../src/contracts/gateway';
import { voiceResultSignal } from '../../../src/contracts/messages';
import type { VoiceCloneOutcome } from '../../../src/contracts/voice-clone';
import type { GatewayActivities } from '../../../src/gateway/activities';
import { workflowBundlePath } from '../../support/env';

// The call workflow alone on the time-skipping server: every activity is a stand-in that records
// what it was asked, so each branch (hang-up at each phase, operators, lost webhooks, cancel) runs
// in seconds without a database, a PBX or ElevenLabs. The full stack has its own suites (tests/e2e).

export const SETTINGS: CallSettings = {
  greetingVoiceId: 'voice_greeting',
  greetingMessage: 'Hello, please hold.',
  defaultVoiceId: 'voice_default',
  transferMessage: 'Thanks for holding.',
  cloneMaxWaitSeconds: 35,
  autoTransitionEnabled: true,
  maxCallDurationSeconds: 3600,
  postCallGraceSeconds: 120,
  cacheTtlSeconds: 86_400,
  cloneTimeoutSeconds: 30,
  requireCloneConsent: false,
  handoffMode: 'bridge',
  agentConnectTimeoutSeconds: 10,
  sip: null,
  fallbackDestination: null,
  failureMessage: 'Sorry.',
  cancelMessage: 'Goodbye.',
};

export type Recorded = { name: string; input: any };

type CloneAnswer = VoiceCloneOutcome extends infer O ? (O extends unknown ? Omit<O, 'callerId' | 'completedAt'> : never) : never;

/** What the stand-in activities do; each may be replaced per test. */
export interface Behaviour {
  main: Partial<Record<keyof Activities, (input: any) => unknown>>;
  gateway: Partial<Record<keyof GatewayActivities, (input: any) => unknown>>;
}

export interface CallHarness {
  calls: Recorded[];
  /** Names of the steps run, in order (main and gateway). */
  steps(): string[];
  input(overrides?: Omit<Partial<CallInput>, 'settings'> & { settings?: Partial<CallSettings> }): CallInput;
  run<T>(behaviour: Partial<{ main: Behaviour['main']; gateway: Behaviour['gateway'] }>, body: () => Promise<T>): Promise<T>;
  start(input: CallInput): Promise<ReturnType<TestWorkflowEnvironment['client']['workflow']['getHandle']>>;
  /** Sends the clone job's answer to a call that subscribed. */
  cloneAnswers(callId: string, outcome: CloneAnswer): Promise<void>;
  finalized(): any;
  result(callId: string): Promise<CallOutcome>;
}

export function callHarness(env: () => TestWorkflowEnvironment): CallHarness {
  // A fresh task queue per run: a test that fails half-way cannot leave its workers in the next one's way.
  let taskQueue = '';
  const pbx = 'pbx';
  const calls: Recorded[] = [];
  const subscriptions = new Map<string, string>();
  const started: string[] = [];
  const record = (name: string, input: unknown) => calls.push({ name, input });

  const defaults: Behaviour = {
    main: {
      recordCallStarted: () => undefined,
      findCachedVoice: () => null,
      subscribeToVoiceClone: ({ callWorkflowId, requestId }: any) => {
        subscriptions.set(callWorkflowId, requestId);
        return { cloneWorkflowId: 'clone-x' };
      },
      releaseVoiceClone: () => undefined,
      recordCloneReady: () => undefined,
      recordCloneFailed: () => undefined,
      recordHandoff: () => undefined,
      leaseSipNumber: ({ numbers, attempt }: any) => ({ sipNumber: numbers[(attempt - 1) % numbers.length] }),
      releaseSipNumber: () => undefined,
      fetchConversation: () => null,
      findAgentConversation: () => null,
      finalizeCallLog: () => undefined,
    },
    gateway: {
      holdCaller: () => ({ participantId: 7, greetingStartedAt: new Date().toISOString(), answered: false }),
      connectAgent: () => ({
        conversationId: 'conv_1',
        firstAudioAt: new Date().toISOString(),
        agentOutputFormat: 'pcm_8000',
        userInputFormat: 'pcm_8000',
        media: { holdMs: 1234, deadAirMs: 0 },
      }),
      routeCall: () => ({ routed: true, finalStatus: 'success', reason: null, media: { holdMs: 1000, deadAirMs: 0 } }),
      endCall: () => ({ outcome: 'dropped' }),
    },
  };

  const wrap = <K extends string>(impls: Partial<Record<K, (input: any) => unknown>>) =>
    Object.fromEntries(
      Object.entries(impls).map(([name, fn]) => [
        name,
        async (input: unknown) => {
          record(name, input);
          return await (fn as (i: unknown) => unknown)(input);
        },
      ]),
    );

  return {
    calls,
    steps: () => calls.map((c) => c.name),
    input: ({ settings, ...overrides } = {}) => ({
      callId: `call-${pbx}-${randomBytes(3).toString('hex')}`,
      pbx,
      threecxCallId: '1',
      caller: { raw: '+4915112345678', e164: '+4915112345678', kind: 'external' },
      callerName: 'Ana',
      calledNumber: '+4930123456',
      source: 'route_point',
      participantId: 7,
      occurredAt: new Date().toISOString(),
      receivedAt: new Date().toISOString(),
      gatewayTaskQueue: gatewayTaskQueue(taskQueue, pbx),
      settings: { ...SETTINGS, ...settings },
      ...overrides,
    }),
    async run(behaviour, body) {
      calls.length = 0;
      taskQueue = `wf-${randomBytes(4).toString('hex')}`;
      const { nativeConnection } = env();
      const bundle = { codePath: workflowBundlePath() };
      const main = await Worker.create({ connection: nativeConnection, taskQueue, workflowBundle: bundle, activities: wrap({ ...defaults.main, ...behaviour.main }) });
      const gateway = await Worker.create({ connection: nativeConnection, taskQueue: gatewayTaskQueue(taskQueue, pbx), activities: wrap({ ...defaults.gateway, ...behaviour.gateway }) });
      try {
        return await main.runUntil(gateway.runUntil(body));
      } finally {
        // A test that failed half-way must not leave a call running into the next (its pending steps would stop time skipping).
        await Promise.all(started.splice(0).map((id) => env().client.workflow.getHandle(id).terminate('test over').catch(() => undefined)));
      }
    },
    start: async (input) => {
      started.push(input.callId);
      return env().client.workflow.start('callWorkflow', { workflowId: input.callId, taskQueue, args: [input] });
    },
    async cloneAnswers(callId, outcome) {
      const requestId = subscriptions.get(callId) ?? null;
      const result = { ...outcome, callerId: '+4915112345678', completedAt: new Date().toISOString(), requestId } as never;
      await env().client.workflow.getHandle(callId).signal(voiceResultSignal, result);
    },
    finalized: () => calls.filter((c) => c.name === 'finalizeCallLog').at(-1)?.input,
    result: (callId) => env().client.workflow.getHandle(callId).result() as Promise<CallOutcome>,
  };
}
