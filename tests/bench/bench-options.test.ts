import { DEFAULTS, parseBenchArgs } from '../../scripts/bench/options';
import { DEV_SERVER_DYNAMIC_CONFIG, devServerArgs } from '../../src/temporal/dev-server';

// The command line of `npm run bench`: defaults are the (10 calls/s for 60 s), and the
// dev-server options reach the server's flags after the project's own settings.

describe('bench options', () => {
  it('defaults to 10 calls/s for 60 s on a file-backed dev server with no extra settings', () => {
    const options = parseBenchArgs([]);
    if (options === 'help') throw new Error('unexpected help');
    expect(options).toMatchObject({ mode: 'steady', rate: 10, durationSeconds: 60, calls: 600, temporalDb: 'file', temporalDynamicConfig: [] });
    expect(DEFAULTS.temporalDb).toBe('file');
  });

  it('takes a burst, an in-memory server and repeated dynamic-config values', () => {
    const options = parseBenchArgs(['--burst', '300', '--temporal-db', 'memory', '--temporal-config', 'a.b=1', '--temporal-config', 'c.d=true']);
    if (options === 'help') throw new Error('unexpected help');
    expect(options).toMatchObject({ mode: 'burst', calls: 300, temporalDb: 'memory', temporalDynamicConfig: ['a.b=1', 'c.d=true'] });
  });

  it.each([
    [['--temporal-db', 'disk'], /--temporal-db must be file or memory/],
    [['--temporal-config', 'novalue'], /--temporal-config must be key=value/],
    [['--temporal-config', 'a=b c'], /--temporal-config must be key=value/],
    [['--rate', '0'], /--rate must be a positive number/],
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
