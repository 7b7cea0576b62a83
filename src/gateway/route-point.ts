import { EventEmitter } from 'node:events';
import type { Config } from '../config';
import type { CallControl, CallParticipant, EntityEvent } from '../integrations/threecx/call-control';
import { isThreeCxError } from '../integrations/threecx/call-control';
import type { Logger } from '../logger';
import { maskPhoneNumber } from '../logger';
import { CallSession } from './call-session';
import type { GatewayMetrics } from './metrics';
import type { Prompts } from './media/prompts';
import type { WorkflowLink } from './workflow-link';

export interface RoutePointDeps {
  config: Config;
  callControl: CallControl;
  prompts: Prompts;
  music: Buffer;
  link: WorkflowLink;
  metrics: GatewayMetrics;
  log: Logger;
}

/** The caller holds on music meanwhile; retries continue until the call starts or the caller leaves. */
const START_RETRY_MAX_MS = 5000;

interface RoutePointEvents {
  session: [CallSession];
}

/**
 * The gateway's view of its route point. A new participant is answered if it rings, hears the
 * greeting at once (rendered at start) and then music, and its call workflow is started — in that
 * order of urgency, because Temporal may be slower than a caller's patience. After every
 * reconnect the route point is read again: calls that appeared meanwhile are taken on, calls
 * found without media (this process restarted) get their music back within a moment, and calls
 * that vanished are ended.
 */
export class RoutePoint extends EventEmitter<RoutePointEvents> {
  private readonly sessions = new Map<number, CallSession>();
  private resyncing: Promise<void> | null = null;
  private firstSync = true;

  constructor(private readonly deps: RoutePointDeps) {
    super();
  }

  get dn(): string {
    return this.deps.config.threecx.clientId ?? '';
  }

  start(): void {
    const { events } = this.deps.callControl;
    events.on('upsert', (e) => void this.onUpsert(e));
    events.on('remove', (e) => this.onRemove(e));
    events.on('connected', () => void this.resync('connected'));
    events.on('gap', () => void this.resync('sequence gap'));
    events.start();
  }

  sessionById(participantId: number): CallSession | undefined {
    return this.sessions.get(participantId);
  }

  sessionByCallId(threecxCallId: string): CallSession | undefined {
    return [...this.sessions.values()].find((s) => s.callId === threecxCallId && !s.isGone);
  }

  get liveSessions(): number {
    return [...this.sessions.values()].filter((s) => !s.isGone).length;
  }

  /** Ends every session (process shutdown): the calls stay at 3CX; a restarted gateway resumes them. */
  close(): void {
    for (const session of this.sessions.values()) session.playout.stop();
  }

  private async onUpsert(event: EntityEvent): Promise<void> {
    if (event.dn !== this.dn || event.type !== 'participants') return;
    try {
      const entity = await this.deps.callControl.rest.getEntity(event.entity);
      if (entity.kind !== 'participant') return;
      await this.take(Number(event.id), entity.value, false);
    } catch (err) {
      if (isThreeCxError(err, 'participantGone')) return this.onRemove(event);
      this.deps.log.error({ err, entity: event.entity }, 'could not read a route-point participant');
    }
  }

  private onRemove(event: EntityEvent): void {
    if (event.dn !== this.dn || event.type !== 'participants') return;
    this.sessions.get(Number(event.id))?.finish({ by: 'caller', reason: 'caller_hung_up' });
  }

  /** A participant seen on the route point (an event, or a resync). `resumed`: it was there before we connected. */
  private async take(participantId: number, participant: CallParticipant, resumed: boolean): Promise<void> {
    let session = this.sessions.get(participantId);
    const isNew = session === undefined;
    if (!session) {
      session = this.newSession(participantId, participant);
      const state = resumed ? await this.deps.link.callState(participant) : 'unknown';
      if (state === 'running') return this.resume(session);
      if (state === 'closed') return this.release(session);
    } else session.update(participant);
    if (participant.status === 'Ringing' && this.deps.config.threecx.answerRinging && !session.answered) await session.answer();
    if (isNew) this.greet(session);
  }

  private newSession(participantId: number, participant: CallParticipant): CallSession {
    const { config, callControl, music, log, metrics } = this.deps;
    const session = new CallSession(participantId, participant, { callControl, dn: this.dn, leadMs: config.threecx.playbackLeadMs, music, log });
    this.sessions.set(participantId, session);
    session.update(participant);
    metrics.callsSeen.inc();
    session.once('firstAudio', (ms) => metrics.greetingLatency.observe(ms / 1000));
    session.once('ended', (end) => {
      this.sessions.delete(participantId);
      metrics.observeEnded(session, end);
      if (end.by === 'caller') void this.deps.link.callEnded(this.deps.link.workflowIdOf(session.participant), { endedAt: end.at.toISOString(), durationSeconds: null, reason: end.reason, media: session.holdMedia() });
    });
    this.emit('session', session);
    return session;
  }

  /** Greeting then music at once, the workflow meanwhile. */
  private greet(session: CallSession): void {
    const { config, prompts, log } = this.deps;
    const utterance = { voiceId: config.greeting.voiceId, text: config.greeting.message };
    const greeting = prompts.peek(utterance);
    if (!greeting) {
      log.warn({ participantId: session.participantId }, 'greeting not rendered yet: the caller starts with music');
      // Rendered for the next caller (ElevenLabs may have been down when the gateway started).
      prompts.get(utterance).catch((err: unknown) => log.error({ err }, 'the greeting still cannot be rendered'));
    }
    session.hold(greeting);
    void this.startWorkflow(session);
  }

  /** Starts the call's workflow; Temporal being briefly unreachable must not leave a caller on music for good. */
  private async startWorkflow(session: CallSession): Promise<void> {
    const { link, log } = this.deps;
    for (let attempt = 1; !session.isGone; attempt++) {
      try {
        const started = await link.startCall(session.participantId, session.participant, session.seenAt);
        const caller = maskPhoneNumber(started.input.caller.e164 ?? started.input.caller.raw);
        log.info({ workflowId: started.workflowId, duplicate: started.duplicate, caller }, started.duplicate ? 'route point: call already started (webhook or earlier event)' : 'route point: call workflow started');
        return;
      } catch (err) {
        log.error({ err, participantId: session.participantId, attempt }, 'could not start the call workflow; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(START_RETRY_MAX_MS, 250 * 2 ** attempt)));
      }
    }
  }

  /** This process restarted mid-call: music again at once, and the workflow learns its media restarted. */
  private resume(session: CallSession): void {
    session.resumeMusic();
    this.deps.metrics.resumed.inc();
    void this.deps.link.mediaRestarted(this.deps.link.workflowIdOf(session.participant), { participantId: session.participantId, at: new Date().toISOString() });
  }

  /** Found after a restart, but its workflow has already closed: nothing will hand it off, so the call ends. */
  private release(session: CallSession): void {
    const { callControl, log } = this.deps;
    log.warn({ participantId: session.participantId }, 'route point: a call whose workflow has closed is still here; dropping it');
    callControl.rest.action(this.dn, session.participantId, 'drop', {}).then(
      () => session.finish({ by: 'us', reason: 'workflow_closed' }),
      (err: unknown) => {
        if (isThreeCxError(err, 'participantGone')) session.finish({ by: 'caller', reason: 'caller_hung_up' });
        else log.error({ err, participantId: session.participantId }, 'could not drop a call whose workflow has closed');
      },
    );
  }

  private resync(why: string): Promise<void> {
    this.resyncing ??= this.readRoutePoint(why).finally(() => {
      this.resyncing = null;
    });
    return this.resyncing;
  }

  private async readRoutePoint(why: string): Promise<void> {
    const { callControl, metrics, log } = this.deps;
    const resumed = this.firstSync;
    this.firstSync = false;
    metrics.resyncs.inc();
    try {
      const dns = await callControl.rest.listDns();
      const present = dns.find((d) => d.dn === this.dn)?.participants ?? [];
      const ids = new Set(present.map((p) => p.id).filter((id): id is number => typeof id === 'number'));
      for (const session of this.sessions.values()) if (!ids.has(session.participantId)) session.finish({ by: 'caller', reason: 'gone_at_resync' });
      const known = present.filter((p): p is typeof p & { id: number } => typeof p.id === 'number');
      await Promise.all(known.map((p) => this.take(p.id, p, resumed && !this.sessions.has(p.id))));
      log.info({ why, participants: ids.size }, 'route point resynced');
    } catch (err) {
      log.error({ err, why }, 'route point resync failed; the next reconnect retries');
    }
  }
}
