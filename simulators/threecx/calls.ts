import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { classifyFrames, toSegments, type HeardSegment } from '../audio';
import { type AudioSource, ClockedReader, Ear, LoopSource, PlayoutBuffer, SILENCE } from './ear';
import type { EventHub } from './events';
import type { CallEndReason, CallState, Connection, PlaceCallOptions, RouteAttempt, SimulatedCall } from './types';
import { type CallParticipantWire, type ParticipantStatus, participantEntity } from './wire';

export interface CallSettings {
  routePointDn: string;
  trunkDn: string;
  recordHeard: boolean;
  playoutBufferMaxMs: number | undefined;
  events: EventHub;
}

export interface CallIds {
  callid: number;
  participantId: number;
  legid: number;
}

/** The far end once bridged: it takes the caller's voice and is told when the caller leaves. */
export interface FarEnd {
  onCallerAudio(pcm: Buffer): void;
  hangUp(): void;
}

interface PostStream {
  destroy(): void;
}

/**
 * One inbound call: the caller, its route-point participant (while it exists), the streams on it,
 * and what the caller hears. Driven by the simulator's 20 ms tick.
 */
export class CallImpl implements SimulatedCall {
  readonly callid: number;
  readonly participantId: number;
  readonly legid: number;
  readonly callerNumber: string;
  readonly callerName: string;
  readonly did: string;
  readonly directControl: boolean;
  readonly startedAt = Date.now();
  state: CallState;
  status: ParticipantStatus;
  onRoutePoint = true;
  endReason: CallEndReason | null = null;
  connectedTo: Connection | null = null;
  readonly routeAttempts: RouteAttempt[] = [];
  readonly attachedData: unknown[] = [];
  readonly getStreams = new Set<ServerResponse>();
  readonly routeAborts = new Set<AbortController>();
  private readonly origin = performance.now();
  private readonly ear: Ear;
  private readonly voice: ClockedReader;
  private playout: PlayoutBuffer | null = null;
  private droppedBefore = 0;
  private postStream: PostStream | null = null;
  private farEnd: FarEnd | null = null;
  private hangUpTimer: NodeJS.Timeout | null = null;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly settings: CallSettings,
    ids: CallIds,
    options: PlaceCallOptions,
    ringing: boolean,
  ) {
    this.callid = ids.callid;
    this.participantId = ids.participantId;
    this.legid = ids.legid;
    this.callerNumber = options.callerNumber;
    this.callerName = options.callerName ?? '';
    this.did = options.did ?? '';
    this.directControl = options.directControl ?? true;
    this.state = ringing ? 'ringing' : 'connected';
    this.status = ringing ? 'Ringing' : 'Connected';
    if (!ringing) this.connectedTo = { kind: 'route_point', destination: settings.routePointDn };
    this.ear = new Ear(this.origin, settings.recordHeard);
    this.voice = new ClockedReader(options.talk === undefined ? SILENCE : new LoopSource(options.talk), this.origin);
    if (options.hangUpAfterMs !== undefined) {
      this.hangUpTimer = setTimeout(() => this.end('caller-hung-up'), options.hangUpAfterMs);
    }
  }

  get entity(): string {
    return participantEntity(this.settings.routePointDn, this.participantId);
  }

  get droppedPlayoutBytes(): number {
    return this.droppedBefore + (this.playout?.dropped ?? 0);
  }

  get hasPostStream(): boolean {
    return this.postStream !== null;
  }

  // [CCX] types.ts CallParticipant + [EP] sample fields. party_dn_type `Wexternalline` [CCX/EP];
  // originated_by/referred_by/on_behalf_of values for a DID call are UNCONFIRMED: empty strings.
  wire(): CallParticipantWire {
    return {
      id: this.participantId,
      status: this.status,
      dn: this.settings.routePointDn,
      party_caller_name: this.callerName,
      party_dn: this.settings.trunkDn,
      party_caller_id: this.callerNumber,
      party_did: this.did,
      device_id: '',
      party_dn_type: 'Wexternalline',
      direct_control: this.directControl,
      originated_by_dn: '',
      originated_by_type: '',
      referred_by_dn: '',
      referred_by_type: '',
      on_behalf_of_dn: '',
      on_behalf_of_type: '',
      callid: this.callid,
      legid: this.legid,
    };
  }

  tick(now: number): void {
    const voice = this.voice.take(now);
    if (voice.length > 0) {
      if (this.onRoutePoint) {
        for (const res of this.getStreams) if (!res.destroyed) res.write(voice);
      } else {
        this.farEnd?.onCallerAudio(voice);
      }
    }
    this.ear.advance(now);
  }

  answer(): void {
    this.status = 'Connected';
    this.setState('connected');
    this.connectedTo = { kind: 'route_point', destination: this.settings.routePointDn };
    this.settings.events.upsert(this.entity);
  }

  /** A new POST stream: returns its playout buffer, ending the previous stream's (replace reading). */
  attachPost(stream: PostStream): PlayoutBuffer {
    const now = performance.now();
    this.postStream?.destroy();
    this.droppedBefore += this.playout?.dropped ?? 0;
    this.playout = new PlayoutBuffer(this.settings.playoutBufferMaxMs);
    this.postStream = stream;
    this.ear.listenTo(this.playout, now);
    return this.playout;
  }

  detachPost(stream: PostStream): void {
    if (this.postStream === stream) this.postStream = null;
  }

  /** The answering destination replaces the route-point participant [NET RouteToAsync]. */
  bridge(connection: Connection, source: AudioSource, farEnd: FarEnd | null): void {
    this.ear.listenTo(source, performance.now());
    this.leaveRoutePoint();
    this.farEnd = farEnd;
    this.connectedTo = connection;
    this.setState('routed');
  }

  /** The app dropped the participant, the caller or far end hung up, or the simulator closed. */
  end(reason: CallEndReason): void {
    if (this.state === 'ended') return;
    this.ear.stop(performance.now());
    this.endReason = reason;
    if (this.hangUpTimer !== null) clearTimeout(this.hangUpTimer);
    for (const controller of this.routeAborts) controller.abort();
    this.leaveRoutePoint();
    if (reason !== 'far-end-hung-up') this.farEnd?.hangUp();
    this.farEnd = null;
    this.setState('ended');
  }

  heard(candidates: string[]): HeardSegment[] {
    return toSegments(classifyFrames(this.heardPcm(), candidates));
  }

  heardPcm(): Buffer {
    this.ear.advance(performance.now());
    return this.ear.pcm();
  }

  hangUp(): void {
    this.end('caller-hung-up');
  }

  sendDtmf(digits: string): void {
    if (this.onRoutePoint && this.state !== 'ended') this.settings.events.dtmf(this.entity, digits);
  }

  waitForState(state: CallState, timeoutMs = 5_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (this.state === state) {
          resolve();
          return true;
        }
        if (this.state === 'ended') {
          reject(new Error(`call ${this.callid} ended (${this.endReason}) before reaching '${state}'`));
          return true;
        }
        return false;
      };
      if (check()) return;
      const waiter = (): void => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`call ${this.callid} still '${this.state}' after ${timeoutMs} ms (waiting for '${state}')`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private leaveRoutePoint(): void {
    if (!this.onRoutePoint) return;
    this.onRoutePoint = false;
    // [CCX] CustomIVRApp: GET stream `close` = hang-up; A.6/E: POST writes then fail.
    for (const res of this.getStreams) res.end();
    this.getStreams.clear();
    this.postStream?.destroy();
    this.postStream = null;
    this.settings.events.remove(this.entity);
  }

  private setState(state: CallState): void {
    this.state = state;
    for (const waiter of [...this.waiters]) waiter();
  }
}
