import type { FaultOptions, LatencyRange } from './types';

interface Counted {
  remaining: number;
}
type RouteFailure = FaultOptions['route-failure'] & Counted;
type RouteNoAnswer = FaultOptions['route-no-answer'] & Counted;
type Stale = { participantId?: number; status: 403 | 404 } & Counted;
type Rest5xx = { status: number; path?: string } & Counted;

/** Faults that wait for the request they spoil (the immediate ones act in server.ts). */
export class Faults {
  private slowRest: LatencyRange | null = null;
  private rest5xx: Rest5xx[] = [];
  private stale: Stale[] = [];
  private routeFailures: RouteFailure[] = [];
  private routeNoAnswers: RouteNoAnswer[] = [];

  constructor(
    private readonly baseLatency: LatencyRange | undefined,
    private readonly random: () => number,
  ) {}

  add<K extends 'slow-rest' | 'rest-5xx' | 'stale-participant' | 'route-failure' | 'route-no-answer'>(kind: K, options: FaultOptions[K]): void {
    const remaining = (options as { times?: number }).times ?? 1;
    switch (kind) {
      case 'slow-rest':
        this.slowRest = (options as FaultOptions['slow-rest']).latencyMs;
        break;
      case 'rest-5xx': {
        const r = options as FaultOptions['rest-5xx'];
        this.rest5xx.push({ status: r.status ?? 500, path: r.path, remaining });
        break;
      }
      case 'stale-participant': {
        const s = options as FaultOptions['stale-participant'];
        this.stale.push({ participantId: s.participantId, status: s.status ?? 404, remaining });
        break;
      }
      case 'route-failure':
        this.routeFailures.push({ ...(options as FaultOptions['route-failure']), remaining });
        break;
      case 'route-no-answer':
        this.routeNoAnswers.push({ ...(options as FaultOptions['route-no-answer']), remaining });
        break;
    }
  }

  clear(): void {
    this.slowRest = null;
    this.rest5xx = [];
    this.stale = [];
    this.routeFailures = [];
    this.routeNoAnswers = [];
  }

  restDelayMs(): number {
    const latency = this.slowRest ?? this.baseLatency;
    if (latency === undefined) return 0;
    if (typeof latency === 'number') return latency;
    return latency.min + (latency.max - latency.min) * this.random();
  }

  takeRest5xx(path: string): number | null {
    return take(this.rest5xx, (f) => f.path === undefined || path.includes(f.path))?.status ?? null;
  }

  takeStale(participantId: number): 403 | 404 | null {
    return take(this.stale, (f) => f.participantId === undefined || f.participantId === participantId)?.status ?? null;
  }

  takeRouteFailure(destination: string): RouteFailure | null {
    return take(this.routeFailures, (f) => f.destination === undefined || f.destination === destination);
  }

  takeRouteNoAnswer(destination: string): boolean {
    return take(this.routeNoAnswers, (f) => f.destination === undefined || f.destination === destination) !== null;
  }
}

function take<T extends Counted>(list: T[], matches: (fault: T) => boolean): T | null {
  const index = list.findIndex(matches);
  if (index < 0) return null;
  const fault = list[index]!;
  fault.remaining -= 1;
  if (fault.remaining <= 0) list.splice(index, 1);
  return fault;
}
