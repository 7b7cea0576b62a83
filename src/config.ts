import { z } from 'zod';

/** Namespace for call ids when the PBX is not named (no THREECX_PBX, no THREECX_URL, a webhook without `pbx`). */
export const DEFAULT_PBX = 'default';

// The only reader of process.env. Every setting the service knows is declared here, with its
// default; `.env.example` documents each one. A bad value stops start-up with one message that
// lists every problem at once.

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']))
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const num = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().min(min).max(max);
const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** A list given either as JSON (`["a","b"]`, the seeds' form) or comma-separated (`a,b`). */
const stringList = z
  .string()
  .trim()
  .transform((raw, ctx) => {
    if (raw === '') return [];
    if (raw.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(raw);
        if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) return parsed.map((s) => s.trim());
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of strings or a comma-separated list' });
      return z.NEVER;
    }
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  });

const e164 = /^\+[1-9]\d{6,14}$/;
const pbxName = /^[a-z0-9]([a-z0-9.-]{0,126}[a-z0-9])?$/;

const cidr = /^(\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?|[0-9a-fA-F:]+(\/\d{1,3})?)$/;

const postgresUrl = z
  .string()
  .trim()
  .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
  .pipe(z.url());

/** Accepts the seeds' `https://api.elevenlabs.io/v1` as well as the bare origin. */
const apiBase = z
  .url()
  .transform((u) => u.replace(/\/+$/, '').replace(/\/v1$/, ''));

const logLevel = z
  .string()
  .trim()
  .toLowerCase()
  .transform((v) => (v === 'warning' ? 'warn' : v === 'critical' ? 'fatal' : v))
  .pipe(z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']));

const env = z.object({
  ENVIRONMENT: z.enum(['development', 'test', 'staging', 'production']).default('development'),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  PORT: int(0, 65535).default(3006),
  LOG_LEVEL: logLevel.default('info'),
  CORS_ORIGINS: stringList.default([]),
  PUBLIC_BASE_URL: z.url().optional().or(z.literal('').transform(() => undefined)),

  DATABASE_URL: postgresUrl.optional().or(z.literal('').transform(() => undefined)),
  DATABASE_POOL_SIZE: int(1, 100).default(10),

  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default('voiceclone-precall'),
  TEMPORAL_UI_PORT: int(0, 65535).default(8233),
  TEMPORAL_TLS: bool.default(false),
  TEMPORAL_TLS_CERT_PATH: optionalString,
  TEMPORAL_TLS_KEY_PATH: optionalString,
  TEMPORAL_TLS_CA_PATH: optionalString,
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  TEMPORAL_API_KEY: optionalString,
  WORKER_METRICS_BIND: z
    .string()
    .trim()
    .regex(/^$|^[\w.:[\]-]+:\d{1,5}$/, 'must be host:port, or empty to turn the worker metrics endpoint off')
    .default('0.0.0.0:9464'),

  DATA_DIR: z.string().trim().min(1).default('./.data'),
  EMBEDDED_TEMPORAL_PORT: int(1, 65535).default(7233),
  EMBEDDED_POSTGRES_PORT: int(1, 65535).default(54329),
  EMBEDDED_THREECX_PORT: int(1, 65535).default(5080),

  ELEVENLABS_API_KEY: optionalString,
  ELEVENLABS_API_BASE: apiBase.default('https://api.elevenlabs.io'),
  ELEVENLABS_AGENT_ID: optionalString,
  ELEVENLABS_WEBHOOK_SECRET: optionalString,
  ELEVENLABS_INIT_WEBHOOK_SECRET: optionalString,
  ELEVENLABS_REQUEST_TIMEOUT_MS: int(100, 600_000).default(10_000),
  ELEVENLABS_SIP_NUMBERS: stringList.pipe(z.array(z.string().regex(e164, 'must be E.164 numbers such as +4930123450001'))).default([]),

  GREETING_VOICE_ID: z.string().trim().min(1).default('21m00Tcm4TlvDq8ikWAM'),
  GREETING_MESSAGE: z
    .string()
    .trim()
    .min(1)
    .default('Hello, thanks for calling. Please hold while we prepare your personalized experience.'),
  GREETING_MUSIC_ENABLED: bool.default(true),
  HOLD_MUSIC_FILE: optionalString,
  DEFAULT_VOICE_ID: optionalString,
  TRANSFER_MESSAGE: z.string().trim().min(1).default('Thank you for holding. How can I help you today?'),
  FAILURE_MESSAGE: z.string().trim().min(1).default('We are sorry, we cannot connect you right now. Please try again later.'),
  CANCEL_MESSAGE: z.string().trim().min(1).default('We are sorry, this call has to end now. Please call again.'),

  HANDOFF_MODE: z.enum(['bridge', 'sip']).default('bridge'),
  AGENT_CONNECT_TIMEOUT_SECONDS: num(1, 120).default(10),
  SIP_ROUTE_TIMEOUT_SECONDS: int(5, 300).default(30),
  SIP_HANDOFF_EXPIRY_SECONDS: int(10, 3600).default(60),
  FALLBACK_DESTINATION: optionalString.pipe(z.string().regex(/^[0-9*#+]{1,32}$/, 'must be a 3CX destination number such as 800 or +4930123456').optional()),
  REQUIRE_CLONE_CONSENT: z.literal('').transform(() => undefined).or(bool).optional(),

  THREECX_URL: z.url().optional().or(z.literal('').transform(() => undefined)),
  THREECX_CLIENT_ID: optionalString,
  THREECX_CLIENT_SECRET: optionalString,
  THREECX_PBX: optionalString.pipe(z.string().regex(pbxName, 'must be a host name such as acme.3cx.eu').optional()),
  THREECX_ANSWER_RINGING: bool.default(true),
  THREECX_ROUTETO_REPLY: z.enum(['after-answer', 'immediately']).default('after-answer'),
  THREECX_SIP_ROUTE_PREFIX: z.string().trim().regex(/^[0-9]{0,8}$/, 'must be digits (the outbound rule prefix), e.g. 999').default(''),
  THREECX_TOKEN_REFRESH_SECONDS: int(60, 86_400).default(1800),
  THREECX_WS_PING_SECONDS: num(1, 300).default(5),
  THREECX_RECONNECT_MAX_SECONDS: num(0.1, 300).default(10),
  THREECX_REQUEST_TIMEOUT_MS: int(100, 120_000).default(5000),
  THREECX_PLAYBACK_LEAD_MS: int(40, 500).default(200),
  GATEWAY_HTTP_BIND: z
    .string()
    .trim()
    .regex(/^$|^[\w.:[\]-]+:\d{1,5}$/, 'must be host:port, or empty to turn the gateway health and metrics endpoint off')
    .default('0.0.0.0:9465'),

  CLONE_MAX_WAIT_SECONDS: num(1, 600).default(35),
  AUTO_TRANSITION_ENABLED: bool.default(true),
  MAX_CALL_DURATION_SECONDS: int(60, 86_400).default(3600),
  POST_CALL_GRACE_SECONDS: int(0, 3600).default(120),
  CACHE_TTL: int(60, 30 * 86_400).default(86_400),
  CACHE_CLEANUP_INTERVAL_SECONDS: int(60, 86_400).default(3600),
  VOICE_SLOT_RESERVE: int(0, 1000).default(2),
  CALL_LOG_RETENTION_DAYS: int(1, 3650).default(90),
  VOICE_CLONE_TIMEOUT: num(1, 600).default(30),
  VOICE_CLONE_MAX_SIZE_MB: num(0.01, 100).default(10),
  VOICE_CLONE_MIN_DURATION: num(0, 600).default(3),

  VOICE_SAMPLE_STORAGE: z.enum(['local', 's3']).default('local'),
  LOCAL_VOICE_SAMPLES_PATH: z.string().trim().min(1).default('./.data/voice-samples'),
  S3_BUCKET_NAME: optionalString,
  S3_REGION: z.string().trim().min(1).default('eu-west-1'),
  S3_ENDPOINT_URL: z.url().optional().or(z.literal('').transform(() => undefined)),
  S3_FORCE_PATH_STYLE: bool.default(false),
  S3_PREFIX: z.string().trim().default('voice-samples/'),
  AWS_ACCESS_KEY_ID: optionalString,
  AWS_SECRET_ACCESS_KEY: optionalString,

  THREECX_WEBHOOK_SECRET: optionalString,
  THREECX_TRUSTED_IPS: stringList
    .pipe(z.array(z.string().regex(cidr, 'must be an IPv4/IPv6 address or CIDR')))
    .default([]),
  TRUSTED_PROXIES: stringList
    .pipe(z.array(z.string().regex(cidr, 'must be an IPv4/IPv6 address or CIDR')))
    .default([]),
  DEFAULT_COUNTRY: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code such as DE or US')
    .default('DE'),
  CALLER_ID_SEARCH_ATTRIBUTE: z.enum(['hash', 'number']).default('hash'),

  ADMIN_API_TOKEN: optionalString,
  WEBHOOK_MAX_BODY_KB: int(1, 10_240).default(64),
  POSTCALL_MAX_BODY_KB: int(1, 102_400).default(10_240),
});

type Env = z.infer<typeof env>;

/** Every environment variable the service reads. */
export const CONFIG_KEYS = Object.keys(env.shape) as (keyof Env)[];

export interface Config {
  environment: Env['ENVIRONMENT'];
  http: { host: string; port: number; corsOrigins: string[]; publicBaseUrl: string | undefined; maxWebhookBodyBytes: number; maxPostCallBodyBytes: number };
  logLevel: Env['LOG_LEVEL'];
  database: { url: string | undefined; poolSize: number };
  temporal: {
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    uiPort: number;
    workerMetricsBind: string | undefined;
    /** TLS (and mTLS client certificate) for a remote cluster such as Temporal Cloud. */
    tls: { enabled: boolean; certPath: string | undefined; keyPath: string | undefined; caPath: string | undefined; serverName: string | undefined };
    /** Temporal Cloud API key (implies TLS). */
    apiKey: string | undefined;
  };
  /** `npm start` only: where embedded parts keep their state and listen. */
  embedded: { dataDir: string; temporalPort: number; postgresPort: number; threecxPort: number };
  elevenlabs: {
    /** Unset: the local sandbox stands in for ElevenLabs (never in production). */
    apiKey: string | undefined;
    apiBase: string;
    agentId: string | undefined;
    /** Post-call webhooks (HMAC). */
    webhookSecret: string | undefined;
    /** Conversation-initiation webhook (SIP mode): ElevenLabs sends it as `Authorization: Bearer <secret>`. */
    initWebhookSecret: string | undefined;
    requestTimeoutMs: number;
    /** SIP mode: the agent's SIP-trunk numbers, one per concurrent hand-off. */
    sipNumbers: string[];
  };
  greeting: {
    voiceId: string;
    message: string;
    /** false: the hold loops a ringback-like tone instead of music. */
    musicEnabled: boolean;
    /** WAV or MP3; unset: the music that ships with the project. */
    holdMusicFile: string | undefined;
  };
  handoff: {
    mode: Env['HANDOFF_MODE'];
    agentConnectTimeoutSeconds: number;
    sipRouteTimeoutSeconds: number;
    sipHandoffExpirySeconds: number;
    fallbackDestination: string | undefined;
  };
  call: {
    defaultVoiceId: string;
    transferMessage: string;
    failureMessage: string;
    cancelMessage: string;
    requireCloneConsent: boolean;
    cloneMaxWaitSeconds: number;
    autoTransitionEnabled: boolean;
    maxCallDurationSeconds: number;
    postCallGraceSeconds: number;
    callerIdSearchAttribute: Env['CALLER_ID_SEARCH_ATTRIBUTE'];
    defaultCountry: string;
  };
  cache: { ttlSeconds: number; cleanupIntervalSeconds: number; voiceSlotReserve: number; callLogRetentionDays: number };
  clone: { timeoutSeconds: number; maxSizeBytes: number; minDurationSeconds: number };
  storage: {
    kind: Env['VOICE_SAMPLE_STORAGE'];
    localPath: string;
    s3: {
      bucket: string | undefined;
      region: string;
      endpoint: string | undefined;
      forcePathStyle: boolean;
      prefix: string;
      accessKeyId: string | undefined;
      secretAccessKey: string | undefined;
    };
  };
  threecx: {
    webhookSecret: string | undefined;
    trustedIps: string[];
    trustedProxies: string[];
    /** Our name for the PBX: namespaces its call ids (THREECX_PBX, else the host of THREECX_URL). */
    pbx: string;
    /** Call Control API; unset: no gateway (npm start runs the 3CX simulator instead). */
    url: string | undefined;
    /** The API client's Client ID, which is also the route point's DN. */
    clientId: string | undefined;
    clientSecret: string | undefined;
    answerRinging: boolean;
    /** When 3CX answers a `routeto` (UNCONFIRMED): once the destination answered (INFERRED), or at once. */
    routeReplies: Env['THREECX_ROUTETO_REPLY'];
    sipRoutePrefix: string;
    tokenRefreshSeconds: number;
    wsPingSeconds: number;
    reconnectMaxSeconds: number;
    requestTimeoutMs: number;
    playbackLeadMs: number;
  };
  gateway: { httpBind: string | undefined };
  adminApiToken: string | undefined;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

function crossFieldProblems(e: Env): string[] {
  const problems: string[] = [];
  if (e.ELEVENLABS_API_KEY && !e.ELEVENLABS_AGENT_ID) problems.push('ELEVENLABS_AGENT_ID: required when ELEVENLABS_API_KEY is set');
  if (e.HANDOFF_MODE === 'sip' && e.ELEVENLABS_API_KEY && e.ELEVENLABS_SIP_NUMBERS.length === 0) {
    problems.push('ELEVENLABS_SIP_NUMBERS: required when HANDOFF_MODE=sip (the agent\'s SIP-trunk numbers)');
  }
  const threecx = [e.THREECX_URL, e.THREECX_CLIENT_ID, e.THREECX_CLIENT_SECRET];
  if (threecx.some(Boolean) && !threecx.every(Boolean)) {
    problems.push('THREECX_URL / THREECX_CLIENT_ID / THREECX_CLIENT_SECRET: set all three (the Call Control API client) or none');
  }
  if (e.VOICE_SAMPLE_STORAGE === 's3' && !e.S3_BUCKET_NAME) problems.push('S3_BUCKET_NAME: required when VOICE_SAMPLE_STORAGE=s3');
  if (Boolean(e.TEMPORAL_TLS_CERT_PATH) !== Boolean(e.TEMPORAL_TLS_KEY_PATH)) {
    problems.push('TEMPORAL_TLS_CERT_PATH / TEMPORAL_TLS_KEY_PATH: set both (mTLS client certificate) or neither');
  }
  if (Boolean(e.AWS_ACCESS_KEY_ID) !== Boolean(e.AWS_SECRET_ACCESS_KEY)) {
    problems.push('AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY: set both or neither');
  }
  if (e.ENVIRONMENT === 'production') {
    const required: [keyof Env, string][] = [
      ['ELEVENLABS_API_KEY', 'production never uses the ElevenLabs sandbox'],
      ['ELEVENLABS_WEBHOOK_SECRET', 'post-call webhooks must be signed in production'],
      ['THREECX_WEBHOOK_SECRET', '3CX webhooks must be signed in production'],
      ['ADMIN_API_TOKEN', 'admin routes need a token in production'],
      ['DATABASE_URL', 'production never uses the embedded database'],
      ['TEMPORAL_ADDRESS', 'production never starts an embedded Temporal server'],
      ...(e.HANDOFF_MODE === 'sip' ? ([['ELEVENLABS_INIT_WEBHOOK_SECRET', 'the conversation-init webhook must be authenticated in production']] as [keyof Env, string][]) : []),
    ];
    for (const [key, why] of required) if (!e[key]) problems.push(`${key}: required (${why})`);
    if (e.ADMIN_API_TOKEN && e.ADMIN_API_TOKEN.length < 24) problems.push('ADMIN_API_TOKEN: must be at least 24 characters in production');
  }
  return problems;
}

/**
 * Parses the environment into a typed configuration. Throws ConfigError naming every bad or
 * missing value (never just the first).
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const parsed = env.safeParse(source);
  const problems = parsed.success
    ? crossFieldProblems(parsed.data)
    : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message} (got ${shownValue(String(i.path[0]), source)})`);
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  return {
    environment: e.ENVIRONMENT,
    http: {
      host: e.HOST,
      port: e.PORT,
      corsOrigins: e.CORS_ORIGINS,
      publicBaseUrl: e.PUBLIC_BASE_URL,
      maxWebhookBodyBytes: e.WEBHOOK_MAX_BODY_KB * 1024,
      maxPostCallBodyBytes: e.POSTCALL_MAX_BODY_KB * 1024,
    },
    logLevel: e.LOG_LEVEL,
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      uiPort: e.TEMPORAL_UI_PORT,
      workerMetricsBind: e.WORKER_METRICS_BIND || undefined,
      tls: {
        enabled: e.TEMPORAL_TLS || Boolean(e.TEMPORAL_API_KEY) || Boolean(e.TEMPORAL_TLS_CERT_PATH),
        certPath: e.TEMPORAL_TLS_CERT_PATH,
        keyPath: e.TEMPORAL_TLS_KEY_PATH,
        caPath: e.TEMPORAL_TLS_CA_PATH,
        serverName: e.TEMPORAL_TLS_SERVER_NAME,
      },
      apiKey: e.TEMPORAL_API_KEY,
    },
    embedded: { dataDir: e.DATA_DIR, temporalPort: e.EMBEDDED_TEMPORAL_PORT, postgresPort: e.EMBEDDED_POSTGRES_PORT, threecxPort: e.EMBEDDED_THREECX_PORT },
    elevenlabs: {
      apiKey: e.ELEVENLABS_API_KEY,
      apiBase: e.ELEVENLABS_API_BASE,
      agentId: e.ELEVENLABS_AGENT_ID,
      webhookSecret: e.ELEVENLABS_WEBHOOK_SECRET,
      initWebhookSecret: e.ELEVENLABS_INIT_WEBHOOK_SECRET,
      requestTimeoutMs: e.ELEVENLABS_REQUEST_TIMEOUT_MS,
      sipNumbers: e.ELEVENLABS_SIP_NUMBERS,
    },
    greeting: { voiceId: e.GREETING_VOICE_ID, message: e.GREETING_MESSAGE, musicEnabled: e.GREETING_MUSIC_ENABLED, holdMusicFile: e.HOLD_MUSIC_FILE },
    handoff: {
      mode: e.HANDOFF_MODE,
      agentConnectTimeoutSeconds: e.AGENT_CONNECT_TIMEOUT_SECONDS,
      sipRouteTimeoutSeconds: e.SIP_ROUTE_TIMEOUT_SECONDS,
      sipHandoffExpirySeconds: e.SIP_HANDOFF_EXPIRY_SECONDS,
      fallbackDestination: e.FALLBACK_DESTINATION,
    },
    call: {
      defaultVoiceId: e.DEFAULT_VOICE_ID ?? e.GREETING_VOICE_ID,
      transferMessage: e.TRANSFER_MESSAGE,
      failureMessage: e.FAILURE_MESSAGE,
      cancelMessage: e.CANCEL_MESSAGE,
      requireCloneConsent: e.REQUIRE_CLONE_CONSENT ?? e.ENVIRONMENT === 'production',
      cloneMaxWaitSeconds: e.CLONE_MAX_WAIT_SECONDS,
      autoTransitionEnabled: e.AUTO_TRANSITION_ENABLED,
      maxCallDurationSeconds: e.MAX_CALL_DURATION_SECONDS,
      postCallGraceSeconds: e.POST_CALL_GRACE_SECONDS,
      callerIdSearchAttribute: e.CALLER_ID_SEARCH_ATTRIBUTE,
      defaultCountry: e.DEFAULT_COUNTRY,
    },
    cache: {
      ttlSeconds: e.CACHE_TTL,
      cleanupIntervalSeconds: e.CACHE_CLEANUP_INTERVAL_SECONDS,
      voiceSlotReserve: e.VOICE_SLOT_RESERVE,
      callLogRetentionDays: e.CALL_LOG_RETENTION_DAYS,
    },
    clone: {
      timeoutSeconds: e.VOICE_CLONE_TIMEOUT,
      maxSizeBytes: Math.round(e.VOICE_CLONE_MAX_SIZE_MB * 1024 * 1024),
      minDurationSeconds: e.VOICE_CLONE_MIN_DURATION,
    },
    storage: {
      kind: e.VOICE_SAMPLE_STORAGE,
      localPath: e.LOCAL_VOICE_SAMPLES_PATH,
      s3: {
        bucket: e.S3_BUCKET_NAME,
        region: e.S3_REGION,
        endpoint: e.S3_ENDPOINT_URL,
        forcePathStyle: e.S3_FORCE_PATH_STYLE,
        prefix: e.S3_PREFIX,
        accessKeyId: e.AWS_ACCESS_KEY_ID,
        secretAccessKey: e.AWS_SECRET_ACCESS_KEY,
      },
    },
    threecx: {
      webhookSecret: e.THREECX_WEBHOOK_SECRET,
      trustedIps: e.THREECX_TRUSTED_IPS,
      trustedProxies: e.TRUSTED_PROXIES,
      pbx: e.THREECX_PBX ?? (e.THREECX_URL ? new URL(e.THREECX_URL).hostname.toLowerCase() : DEFAULT_PBX),
      url: e.THREECX_URL?.replace(/\/+$/, ''),
      clientId: e.THREECX_CLIENT_ID,
      clientSecret: e.THREECX_CLIENT_SECRET,
      answerRinging: e.THREECX_ANSWER_RINGING,
      routeReplies: e.THREECX_ROUTETO_REPLY,
      sipRoutePrefix: e.THREECX_SIP_ROUTE_PREFIX,
      tokenRefreshSeconds: e.THREECX_TOKEN_REFRESH_SECONDS,
      wsPingSeconds: e.THREECX_WS_PING_SECONDS,
      reconnectMaxSeconds: e.THREECX_RECONNECT_MAX_SECONDS,
      requestTimeoutMs: e.THREECX_REQUEST_TIMEOUT_MS,
      playbackLeadMs: e.THREECX_PLAYBACK_LEAD_MS,
    },
    gateway: { httpBind: e.GATEWAY_HTTP_BIND || undefined },
    adminApiToken: e.ADMIN_API_TOKEN,
  };
}

/** A bad value as the error message shows it: secrets (and URLs that may hold passwords) never. */
function shownValue(key: string, source: Record<string, string | undefined>): string {
  const value = source[key];
  if (value === undefined) return 'nothing';
  if ((SECRET_SETTINGS as readonly string[]).includes(key)) return `a value of ${value.length} characters, not shown`;
  // `user:password@` in an endpoint (S3_ENDPOINT_URL, THREECX_URL, …), with or without a scheme. A
  // malformed one is exactly what gets shown, and its password may hold a raw `@`, `/` or space: all
  // up to the last `@` goes.
  return JSON.stringify(value.replace(/^([a-z][a-z0-9+.-]*:\/\/)?.*@/is, '$1[redacted]@'));
}

/** Names of settings whose values must never be logged. */
export const SECRET_SETTINGS = [
  'ELEVENLABS_API_KEY',
  'ELEVENLABS_WEBHOOK_SECRET',
  'THREECX_WEBHOOK_SECRET',
  'THREECX_CLIENT_SECRET',
  'ELEVENLABS_INIT_WEBHOOK_SECRET',
  'ADMIN_API_TOKEN',
  'AWS_SECRET_ACCESS_KEY',
  'DATABASE_URL',
  'TEMPORAL_API_KEY',
] as const;
