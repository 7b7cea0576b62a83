import { DEFAULTS, parseBenchArgs } from '../../scripts/bench/options';
import { DEV_SERVER_DYNAMIC_CONFIG, devServerArgs } from '../../src/temporal/dev-server';

// The command line of `npm run bench`: the default is the unloaded reference (1 call/s for 60 s,
// bridge, pcm_8000), the modes and the call path are chosen by flags, and the dev-server options
// reach the server's flags after the project's own settings.

function parse(argv: string[]) {
  const options = parseBenchArgs(argv);
  if (options === 'help') throw new Error('unexpected help');
  return options;
}

describe('bench options', () => {
  it('defaults to 1 call/s for 60 s, bridged, pcm_8000, all in one process on a file-backed dev server', () => {
    expect(parse([])).toMatchObject({ mode: 'steady', rate: 1, durationSeconds: 60, calls: 60, handoff: 'bridge', agentFormat: 'pcm_8000', processes: 'one', temporalDb: 'file', database: 'server' });
    expect(DEFAULTS.conversationMs).toBe(8_000);
  });

  it('takes a burst, the SIP hand-off, the resampled format, separate processes and repeated dynamic-config values', () => {
    expect(parse(['--burst', '300', '--handoff', 'sip', '--agent-format', 'pcm_16000', '--processes', 'separate', '--temporal-config', 'a.b=1', '--temporal-config', 'c.d=true'])).toMatchObject({
      mode: 'burst',
      calls: 300,
      handoff: 'sip',
      agentFormat: 'pcm_16000',
      processes: 'separate',
      temporalDynamicConfig: ['a.b=1', 'c.d=true'],
    });
  });

  it('holds --concurrent callers on long conversations: cached voices, dialling at 5/s, the conversation outlasting the ramp by a minute', () => {
    expect(parse(['--concurrent', '100'])).toMatchObject({ mode: 'concurrent', calls: 100, rate: 5, conversationMs: 80_000, cachedShare: 1, sampleShare: 1, internalShare: 0, repeatShare: 0 });
    expect(parse(['--concurrent', '10', '--rate', '2', '--conversation', '5000', '--cached-share', '0.5'])).toMatchObject({ calls: 10, rate: 2, conversationMs: 5000, cachedShare: 0.5 });
  });

  it('reads latencies as a value or a range', () => {
    expect(parse(['--agent-latency', '250', '--clone-latency', '1000-3000'])).toMatchObject({ agentLatencyMs: 250, cloneLatencyMs: { min: 1000, max: 3000 } });
  });

  it.each([
    [['--temporal-db', 'disk'], /--temporal-db must be file or memory/],
    [['--handoff', 'transfer'], /--handoff must be bridge or sip/],
    [['--agent-format', 'ulaw_8000'], /--agent-format must be pcm_8000 or pcm_16000/],
    [['--burst', '10', '--concurrent', '10'], /exclude each other/],
    [['--temporal-config', 'novalue'], /--temporal-config must be key=value/],
    [['--rate', '0'], /--rate must be a positive number/],
    [['--talk-every', '1.5'], /--talk-every must be a non-negative integer/],
    [['--clone-latency', 'soon'], /--clone-latency must be milliseconds/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });

  it('passes the project settings first, then the run’s own, then other flags', () => {
    expect(devServerArgs(['--metrics-port', '9'], ['x.y=2'])).toEqual([
      ...DEV_SERVER_DYNAMIC_CONFIG.flatMap((kv) => ['--dynamic-config-value', kv]),
      '--dynamic-config-value',
      'x.y=2',
      '--metrics-port',
      '9',
    ]);
    expect(DEV_SERVER_DYNAMIC_CONFIG).toContain('history.transferProcessorMaxPollRPS=1000');
  });
});
