import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_KEYS, ConfigError, loadConfig } from '../../src/config';

function readEnvExample(): Record<string, string> {
  const text = readFileSync(path.resolve(__dirname, '../../.env.example'), 'utf8');
  const entries = text
    .split('\n')
    .filter((line) => /^[A-Z0-9_]+=/.test(line))
    .map((line) => {
      const [key, ...rest] = line.split('=');
      return [key!, rest.join('=').replace(/^"(.*)"$/, '$1')] as const;
    });
  return Object.fromEntries(entries);
}

/** The least a production environment needs to load. */
const PRODUCTION_ENV = {
  ENVIRONMENT: 'production',
  ELEVENLABS_API_KEY: 'k',
  ELEVENLABS_AGENT_ID: 'agent',
  ELEVENLABS_WEBHOOK_SECRET: 'w',
  THREECX_WEBHOOK_SECRET: 's',
  ADMIN_API_TOKEN: 'x'.repeat(32),
  DATABASE_URL: 'postgresql://db/voice',
  TEMPORAL_ADDRESS: 'temporal:7233',
};

describe('loadConfig', () => {
  test('an empty environment gives the documented defaults', () => {
    const c = loadConfig({});
    expect(c.environment).toBe('development');
    expect(c.http.port).toBe(3006);
    expect(c.temporal).toMatchObject({ address: undefined, namespace: 'default', taskQueue: 'voiceclone-precall' });
    expect(c.database.url).toBeUndefined();
    expect(c.elevenlabs).toMatchObject({ apiKey: undefined, apiBase: 'https://api.elevenlabs.io', sipNumbers: [] });
    expect(c.handoff).toMatchObject({ mode: 'bridge', agentConnectTimeoutSeconds: 10, fallbackDestination: undefined });
    expect(c.threecx).toMatchObject({ url: undefined, pbx: 'default', answerRinging: true, routeReplies: 'after-answer', playbackLeadMs: 200 });
    expect(c.call.requireCloneConsent).toBe(false);
    expect(c.call).toMatchObject({ cloneMaxWaitSeconds: 35, autoTransitionEnabled: true, defaultCountry: 'DE', callerIdSearchAttribute: 'hash' });
    expect(c.cache.ttlSeconds).toBe(86_400);
    expect(c.clone).toEqual({ timeoutSeconds: 30, maxSizeBytes: 10 * 1024 * 1024, minDurationSeconds: 3 });
    expect(c.storage.kind).toBe('local');
    expect(c.call.defaultVoiceId).toBe(c.greeting.voiceId);
  });

  test('.env.example documents every setting, and its values load', () => {
    const example = readEnvExample();
    expect(Object.keys(example).sort()).toEqual([...CONFIG_KEYS].sort());
    expect(loadConfig(example).greeting.message).toMatch(/^Hello, thanks for calling/);
  });

  test('accepts the seeds’ value forms', () => {
    const c = loadConfig({
      ELEVENLABS_API_BASE: 'https://api.elevenlabs.io/v1/',
      CORS_ORIGINS: '["https://your-3cx.com"]',
      THREECX_TRUSTED_IPS: '127.0.0.1,10.0.0.0/8',
      LOG_LEVEL: 'INFO',
      AUTO_TRANSITION_ENABLED: 'false',
      VOICE_CLONE_MAX_SIZE_MB: '10.0',
      DATABASE_URL: 'postgresql://user:pass@localhost:5432/voiceclone_db',
    });
    expect(c.elevenlabs.apiBase).toBe('https://api.elevenlabs.io');
    expect(c.http.corsOrigins).toEqual(['https://your-3cx.com']);
    expect(c.threecx.trustedIps).toEqual(['127.0.0.1', '10.0.0.0/8']);
    expect(c.logLevel).toBe('info');
    expect(c.call.autoTransitionEnabled).toBe(false);
  });

  test('one error lists every bad or missing value', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        CLONE_MAX_WAIT_SECONDS: '-1',
        HANDOFF_MODE: 'carrier-pigeon',
        DATABASE_URL: 'mysql://x',
        AUTO_TRANSITION_ENABLED: 'maybe',
        THREECX_TRUSTED_IPS: 'not-an-ip',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    const keys = problems.map((p) => p.split(':')[0]);
    expect(keys).toEqual(
      expect.arrayContaining(['PORT', 'CLONE_MAX_WAIT_SECONDS', 'HANDOFF_MODE', 'DATABASE_URL', 'AUTO_TRANSITION_ENABLED', 'THREECX_TRUSTED_IPS.0']),
    );
    expect(message).toMatch(/^Invalid configuration \(\d+ problems\):/);
    for (const key of ['PORT', 'HANDOFF_MODE', 'DATABASE_URL']) expect(message).toContain(key);
  });

  test('related settings are checked together', () => {
    expect(() => loadConfig({ ELEVENLABS_API_KEY: 'k' })).toThrow(/ELEVENLABS_AGENT_ID/);
    expect(() => loadConfig({ ELEVENLABS_API_KEY: 'k', ELEVENLABS_AGENT_ID: 'a', HANDOFF_MODE: 'sip' })).toThrow(/ELEVENLABS_SIP_NUMBERS/);
    expect(() => loadConfig({ THREECX_URL: 'https://pbx.example.com' })).toThrow(/THREECX_CLIENT_ID/);
    expect(() => loadConfig({ ELEVENLABS_SIP_NUMBERS: '004930123' })).toThrow(/ELEVENLABS_SIP_NUMBERS/);
    expect(() => loadConfig({ VOICE_SAMPLE_STORAGE: 's3' })).toThrow(/S3_BUCKET_NAME/);
    expect(() => loadConfig({ AWS_ACCESS_KEY_ID: 'a' })).toThrow(/AWS_SECRET_ACCESS_KEY/);
  });

  test('production refuses the sandbox, embedded parts and empty secrets', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ ENVIRONMENT: 'production', ADMIN_API_TOKEN: 'short' });
    } catch (err) {
      error = err as ConfigError;
    }
    const keys = error!.problems.map((p) => p.split(':')[0]);
    expect(keys).toEqual(
      expect.arrayContaining([
        'ELEVENLABS_API_KEY',
        'ELEVENLABS_WEBHOOK_SECRET',
        'THREECX_WEBHOOK_SECRET',
        'DATABASE_URL',
        'TEMPORAL_ADDRESS',
        'ADMIN_API_TOKEN',
      ]),
    );
    expect(loadConfig(PRODUCTION_ENV).environment).toBe('production');
  });

  test('a malformed secret is named but never shown', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://admin:hunter2@db/voice' })).toThrow(/DATABASE_URL: .*not shown/);
    try {
      loadConfig({ DATABASE_URL: 'mysql://admin:hunter2@db/voice' });
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });

  test.each([
    ['http://AKIAIOSFODNN7EXAMPLE:wJalr/XUtn@FEMI@minio :9000', 'http://[redacted]@minio :9000'],
    ['//AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI@minio:9000', '[redacted]@minio:9000'],
  ])('a malformed S3_ENDPOINT_URL is shown without its credentials: %s', (endpoint, shown) => {
    let message = '';
    try {
      loadConfig({ S3_ENDPOINT_URL: endpoint });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(`S3_ENDPOINT_URL: `);
    expect(message).toContain(`(got ${JSON.stringify(shown)})`);
    expect(message).not.toMatch(/AKIAIOSFODNN7EXAMPLE|wJalr|XUtn|FEMI/);
  });

  test('secrets never appear in the error message', () => {
    expect(() => loadConfig({ ELEVENLABS_API_KEY: 'sk_live_secret', PORT: 'x' })).toThrow(ConfigError);
    try {
      loadConfig({ ELEVENLABS_API_KEY: 'sk_live_secret', PORT: 'x' });
    } catch (err) {
      expect((err as Error).message).not.toContain('sk_live_secret');
    }
  });
});

describe('the live call path settings', () => {
  test('the PBX name comes from THREECX_PBX, else the host of THREECX_URL; consent is required in production', () => {
    const gateway = { THREECX_URL: 'https://Acme.3cx.eu:5001/', THREECX_CLIENT_ID: '800', THREECX_CLIENT_SECRET: 's' };
    expect(loadConfig(gateway).threecx).toMatchObject({ pbx: 'acme.3cx.eu', url: 'https://Acme.3cx.eu:5001', clientId: '800' });
    expect(loadConfig({ ...gateway, THREECX_PBX: 'hq' }).threecx.pbx).toBe('hq');
    expect(loadConfig(PRODUCTION_ENV).call.requireCloneConsent).toBe(true);
    expect(loadConfig({ ...PRODUCTION_ENV, REQUIRE_CLONE_CONSENT: 'false' }).call.requireCloneConsent).toBe(false);
    expect(() => loadConfig({ ...PRODUCTION_ENV, HANDOFF_MODE: 'sip', ELEVENLABS_SIP_NUMBERS: '+4930123450001' })).toThrow(/ELEVENLABS_INIT_WEBHOOK_SECRET/);
  });

  test('bad values of the new settings are named', () => {
    let message = '';
    try {
      loadConfig({ THREECX_PLAYBACK_LEAD_MS: '900', FALLBACK_DESTINATION: 'queue one', THREECX_SIP_ROUTE_PREFIX: '9a', THREECX_ROUTETO_REPLY: 'sometimes' });
    } catch (err) {
      message = (err as Error).message;
    }
    for (const key of ['THREECX_PLAYBACK_LEAD_MS', 'FALLBACK_DESTINATION', 'THREECX_SIP_ROUTE_PREFIX', 'THREECX_ROUTETO_REPLY']) expect(message).toContain(key);
  });
});
