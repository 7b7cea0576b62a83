import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CallControl } from '../integrations/threecx/call-control';
import type { CallSession, SessionEnd } from './call-session';

/** The gateway's series (Prometheus, on GATEWAY_HTTP_BIND /metrics); deploy/grafana reads them. */
export interface GatewayMetrics {
  registry: Registry;
  callsSeen: Counter;
  callsEnded: Counter<'by' | 'reason'>;
  resyncs: Counter;
  resumed: Counter;
  holdSeconds: Histogram;
  deadAirSeconds: Histogram;
  bridgeStallSeconds: Histogram;
  agentSocketCloses: Counter<'code' | 'normal'>;
  handoffs: Counter<'mode' | 'outcome'>;
  greetingLatency: Histogram;
  observeEnded(session: CallSession, end: SessionEnd): void;
}

export function createGatewayMetrics(callControl: CallControl, liveCalls: () => number, pbx: string): GatewayMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ process: 'gateway', pbx });
  collectDefaultMetrics({ register: registry });
  const seconds = (name: string, help: string, buckets: number[]) => new Histogram({ name, help, buckets, registers: [registry] });
  new Gauge({ name: 'gateway_live_calls', help: 'Participants on the route point with a session', registers: [registry], collect() { this.set(liveCalls()); } });
  new Gauge({
    name: 'gateway_threecx_ws_connected',
    help: '1 while the Call Control event socket is open',
    registers: [registry],
    collect() {
      this.set(callControl.events.isConnected ? 1 : 0);
    },
  });
  countersFrom(registry, 'gateway_threecx_ws_reconnects_total', 'Event socket reconnects', () => callControl.events.counters.reconnects);
  countersFrom(registry, 'gateway_threecx_ws_sequence_gaps_total', 'Event sequence gaps (each forces a resync)', () => callControl.events.counters.gaps);
  countersFrom(registry, 'gateway_threecx_tokens_minted_total', 'Access tokens minted (one live token per client)', () => callControl.tokens.counters.minted);
  countersFrom(registry, 'gateway_threecx_token_refreshes_total', 'Token refreshes', () => callControl.tokens.counters.refreshes);
  const callsEnded = new Counter({ name: 'gateway_calls_ended_total', help: 'Route-point sessions that ended, by who ended them', labelNames: ['by', 'reason'], registers: [registry] });
  const holdSeconds = seconds('gateway_hold_seconds', 'From the first greeting byte to the hand-off or the end', [1, 2, 5, 10, 20, 30, 45, 60, 120, 300]);
  const deadAirSeconds = seconds('gateway_dead_air_seconds', 'Per call: hold audio the caller did not get in time (stream underruns)', [0, 0.05, 0.1, 0.2, 0.5, 1, 2, 5]);
  return {
    registry,
    callsSeen: new Counter({ name: 'gateway_calls_seen_total', help: 'New participants on the route point', registers: [registry] }),
    callsEnded,
    resyncs: new Counter({ name: 'gateway_resyncs_total', help: 'Full reads of the route point (after a reconnect or a sequence gap)', registers: [registry] }),
    resumed: new Counter({ name: 'gateway_media_resumed_total', help: 'Calls found without media after a gateway restart (music resumed)', registers: [registry] }),
    holdSeconds,
    deadAirSeconds,
    bridgeStallSeconds: seconds('gateway_bridge_stall_seconds', 'Per agent conversation: total agent audio that reached the caller late (jitter stalls)', [0, 0.02, 0.04, 0.08, 0.16, 0.3, 1]),
    agentSocketCloses: new Counter({ name: 'gateway_agent_socket_closes_total', help: 'ElevenLabs agent socket closes by code', labelNames: ['code', 'normal'], registers: [registry] }),
    handoffs: new Counter({ name: 'gateway_handoffs_total', help: 'Hand-offs to the agent by mode and outcome', labelNames: ['mode', 'outcome'], registers: [registry] }),
    greetingLatency: seconds('gateway_greeting_latency_seconds', 'New participant seen on the route point → first audio byte sent to the caller', [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2]),
    observeEnded(session, end) {
      callsEnded.inc({ by: end.by, reason: end.reason });
      const media = session.holdMedia();
      deadAirSeconds.observe(media.deadAirMs / 1000);
    },
  };
}

function countersFrom(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    // The client keeps these counts; the series mirrors them at each scrape.
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}
