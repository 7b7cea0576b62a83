import type { BenchReport } from './report';
import type { Ratio, Summary } from './stats';

const pad = (s: string, n: number, right = false): string => (right ? s.padStart(n) : s.padEnd(n));
const num = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : String(v));
const pcts = (s: Summary): string => (s.count === 0 ? 'no samples' : `${num(s.p50)} / ${num(s.p95)} / ${num(s.p99)}  (max ${num(s.max)}, n=${s.count})`);
const ratioText = (r: Ratio): string => `${num(r.p50)} / ${num(r.p95)} / ${num(r.p99)} ×`;
const row = (label: string, s: Summary): string => `  ${pad(label, 58)}${pcts(s)}`;
const tallyText = (t: Record<string, number>): string => Object.entries(t).map(([k, v]) => `${k} ${v}`).join(', ') || '—';

function header(r: BenchReport): string[] {
  const o = r.options;
  const load = r.mode === 'burst' ? `burst of ${o.calls}` : r.mode === 'concurrent' ? `${o.calls} concurrent (dialling at ${o.rate}/s)` : `${o.rate} calls/s × ${o.durationSeconds} s (${o.calls} calls)`;
  const e = r.environment;
  return [
    `voiceclone bench ${r.runId}${r.interrupted ? ' (INTERRUPTED: partial results)' : ''}`,
    `load: ${load}; hand-off ${o.handoff}; agent format ${o.agentFormat}; conversation ${o.conversationMs} ms; agent first audio ${JSON.stringify(o.agentLatencyMs)} ms; clone ${JSON.stringify(o.cloneLatencyMs)} ms`,
    `machine: ${e.cpuCount} × ${e.cpuModel}, ${e.memoryGb} GB, ${e.platform}, Node ${e.node}; busy before: ${num(e.backgroundBusyCores)} cores, load average ${e.loadAverageBefore?.join(' ') ?? '—'}`,
    `assembly: ${e.assembly}; ${e.temporal}; ${e.database}`,
    `mix: ${r.mix.distinctCallers} callers (${tallyText(r.mix.callersByKind)}), calls by kind: ${tallyText(r.mix.callsByKind)}, ${r.mix.repeatCalls} repeat calls`,
  ];
}

function latencies(r: BenchReport): string[] {
  const l = r.latencyMs;
  const f = r.floorMs;
  return [
    '',
    'latency, ms (p50 / p95 / p99):',
    row('route-point Upsert → first greeting byte at the caller', l.upsertToGreeting),
    row('  tests’ reading: first greeting frame from call start', l.greetingByClassifier),
    `  ${pad('  warm-up calls (first = cold, right after start-up)', 58)}${r.warmupGreetingMs.map(num).join(', ') || '—'}`,
    row('voice ready → agent audio at the caller (all calls)', l.voiceReadyToAgent),
    ...Object.entries(l.voiceReadyToAgentBySource).map(([source, s]) => row(`  voice from ${source}`, s)),
    row('  voice ready after the greeting ended', l.voiceReadyAfterGreetingToAgent),
    row('  of which the sandbox agent’s own first-audio latency', l.agentFirstAudio),
    row('conversation-init webhook (SIP), as the sandbox timed it', l.initWebhook),
    ...(r.initWebhookServerMs
      ? [`  ${pad('  inside the API (its histogram, warm-ups included)', 58)}mean ${r.initWebhookServerMs.meanMs} ms, ${Math.round(r.initWebhookServerMs.within50ms * 1000) / 10} % within 50 ms, p99 ≤ ${num(r.initWebhookServerMs.p99AtMostMs)} ms (n=${r.initWebhookServerMs.count})`]
      : []),
    row('dead air during hold, per call (total)', l.holdDeadAir),
    row('  longest gap, per call', l.holdLongestGap),
    '',
    'floor, ms:',
    row('bare workflow start', f.bareStart),
    row('empty activity round trip (own queue, eager)', f.activityRoundTrip),
    row('empty activity round trip on another worker’s queue', f.remoteActivityRoundTrip),
    row('simulator Upsert → ear, trivial app writing at once', f.upsertToEar),
    row('simulator Upsert → ear, trivial app GETting first', f.upsertGetToEar),
    row('simulator POST arrival → ear', f.postToEar),
    `  ratios: greeting ÷ trivial app ${ratioText(r.ratios.greetingToEarFloor)}; hand-off after greeting ÷ remote activity ${ratioText(r.ratios.handoffToRemoteActivity)}`,
  ];
}

function stagesAndJitter(r: BenchReport): string[] {
  const j = r.jitterMs;
  return [
    '',
    'greeting stages, ms after the Upsert (in-process only for the gateway’s own):',
    ...Object.entries(r.stagesMs.greeting).map(([k, s]) => row(`  ${k}`, s)),
    'hand-off stages, ms after voice ready, for the calls whose voice was ready after the greeting ended:',
    ...Object.entries(r.stagesMs.handoff).map(([k, s]) => row(`  ${k}`, s)),
    '',
    ...(r.options.handoff === 'sip' ? ['(SIP: the agent’s audio goes simulator to simulator, without the gateway; its stalls are the simulators’ own)'] : []),
    `agent audio at the caller: ${j.agentAudioSeconds} s heard; ${j.stallCount} stalls in ${j.callsWithStalls} calls, ${j.stallsWhileAnotherConnects} of them while another call’s agent was being connected`,
    `  stall time: ${j.earStallMsTotal} ms at the ear; ${num(j.gatewayStallMsTotal)} ms as the gateway’s playout saw it (before the PBX)`,
    `  stalls that began while the simulators’ process collected garbage ${r.stallSources.whileSimulatorsPaused}, while the gateway’s event loop was held up ${r.stallSources.whileGatewayHeldUp}, neither ${r.stallSources.unexplained}`,
    `  simulators’ GC: ${r.stallSources.simulatorGc.count} pauses, ${r.stallSources.simulatorGc.totalMs} ms in all, longest ${r.stallSources.simulatorGc.maxMs} ms, ${r.stallSources.simulatorGc.long} of 50 ms or more`,
    row('  gateway’s longest event-loop delay per half second', r.stallSources.gatewayLoopLagMaxMs),
    row('jitter: lateness of each 20 ms of agent audio', j.frameLateness),
    row('stalls (gaps while the agent spoke)', j.stalls),
    row('sandbox chunk sent → heard (first of each later turn)', j.utteranceDelivery),
  ];
}

function countsAndResources(r: BenchReport): string[] {
  const c = r.counts;
  const res = r.resources;
  const cc = r.concurrency;
  return [
    '',
    `calls: ${c.placed} placed; ${c.completed} completed, ${c.failed} failed, ${c.abandoned} abandoned${Object.keys(c.otherPhases).length ? `, ${tallyText(c.otherPhases)}` : ''}; lost ${c.lost}, unverified ${c.unverified}, duplicated ${c.duplicated}, dropped ${c.dropped}${c.dropped ? ` (${tallyText(c.droppedByReason)})` : ''}`,
    `  failures: ${tallyText(c.failedByReason)}; voices: ${tallyText(c.voiceSources)}; fallbacks: ${tallyText(c.fallbacksByReason)}`,
    `  greeting not first ${c.greetingNotFirst}; agent not heard ${c.agentNotHeard}; playback reopened ${c.playbackReopened}; interrupted agent turns ${c.interruptedTurns}; clones ${c.cloneRequests} (callers cloned twice ${c.callersClonedMoreThanOnce}, concurrently ${c.concurrentClonesForOneCaller}); post-call webhooks ${c.postCallWebhooks.delivered} delivered, ${c.postCallWebhooks.failedAttempts} failed attempts`,
    ...(cc
      ? [
          '',
          `concurrency: ${cc.peakBridged} of ${cc.calls} bridged at once${cc.window ? ` for ${cc.window.seconds} s` : ''}; ${cc.bridgedCallSeconds} bridged call-seconds`,
          `  CPU of ${cc.cpuProcess} per bridged call-second: ${num(cc.cpuMsPerBridgedCallSecond)} ms in that window; ${num(cc.cpuMsPerBridgedCallSecondWholeRun)} ms over the whole run`,
          `  memory per bridged call (MB): ${cc.memoryPerBridgedCallMb ? `heap ${cc.memoryPerBridgedCallMb.heapUsed}, external ${cc.memoryPerBridgedCallMb.external}, RSS ${cc.memoryPerBridgedCallMb.rss}` : '—'}; left per call after all ended: ${cc.memoryLeftPerCallMb ? `heap ${cc.memoryLeftPerCallMb.heapUsed}, external ${cc.memoryLeftPerCallMb.external}, RSS ${cc.memoryLeftPerCallMb.rss}` : '—'}`,
        ]
      : []),
    '',
    `resources over ${(res.wallMs / 1000).toFixed(1)} s: machine ${num(res.machineBusyCores)} of ${res.cpuCount} cores busy; load average ${res.loadAverageStart?.join(' ') ?? '—'} → ${res.loadAverageEnd?.join(' ') ?? '—'}`,
    ...Object.entries(res.processes).map(([name, p]) => `  ${pad(name, 10)} CPU ${pad(String(p.cpuMs), 8, true)} ms (${p.cores} cores)${p.peakRssMb === null ? '' : `, peak RSS ${p.peakRssMb} MB`}`),
    `  this process: peak heap ${res.benchPeakHeapUsedMb} MB, event-loop delay p50 ${res.eventLoopDelayMs.p50} / p99 ${res.eventLoopDelayMs.p99} / max ${res.eventLoopDelayMs.max} ms`,
  ];
}

function breakdown(r: BenchReport): string[] {
  const b = r.breakdownMs;
  if (!b) return [];
  return [
    '',
    `from ${b.calls} histories: ${pcts(b.historyEventsPerCall)} events per call`,
    row('Upsert → workflow started (server)', b.upsertToWorkflowStarted),
    row('workflow task schedule → start', b.workflowTask.scheduleToStart),
    row('workflow task start → complete', b.workflowTask.startToComplete),
    ...Object.entries(b.activities).flatMap(([type, a]) => [row(`${type} schedule → start`, a.scheduleToStart), row(`${type} start → close`, a.startToClose)]),
    row('hand-off activity start → its first effect outside', b.handoffActivityStartToWire),
    ...(r.temporalServerMs
      ? [
          `Temporal server: ${r.temporalServerMs.persistence.requests} persistence requests taking ${(r.temporalServerMs.persistence.totalMs / 1000).toFixed(1)} s in ${(r.temporalServerMs.wallMs / 1000).toFixed(1)} s`,
        ]
      : []),
  ];
}

export function formatReport(r: BenchReport): string {
  return [
    ...header(r),
    ...latencies(r),
    ...stagesAndJitter(r),
    ...countsAndResources(r),
    ...breakdown(r),
    '',
    'targets:',
    ...r.targets.map((t) => `  ${pad(t.verdict.toUpperCase(), 14)}${pad(t.name, 60)}${pad(t.target, 26)}${t.measured}`),
    '',
    `results: ${r.files.json}`,
    `service log: ${r.files.serviceLog}`,
    ...(r.cleanupProblems.length ? ['cleanup problems:', ...r.cleanupProblems.map((p) => `  ${p}`)] : []),
  ].join('\n');
}
