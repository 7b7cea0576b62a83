import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config';
import { formatReport, runDoctor } from './doctor/index';

// `npm run doctor`: checks the ElevenLabs account and agent and the 3CX API client against the
// configuration (see docs/SETUP-3CX-ELEVENLABS.md), prints a table with a fix for every problem,
// and exits 1 if any check failed.

const USAGE = `Usage: npm run doctor -- [options]

  --elevenlabs-url=URL  ElevenLabs API to check instead of ELEVENLABS_API_BASE (e.g. the sandbox of npm start)
  --threecx-url=URL     3CX to check instead of THREECX_URL (e.g. http://127.0.0.1:5080, the simulator of npm start)
  --skip-threecx        do not contact 3CX (a running gateway holds the one live Call Control token)
  --json                print the report as JSON
  --help`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'elevenlabs-url': { type: 'string' },
      'threecx-url': { type: 'string' },
      'skip-threecx': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const env = {
    ...process.env,
    ...(values['elevenlabs-url'] ? { ELEVENLABS_API_BASE: values['elevenlabs-url'] } : {}),
    ...(values['threecx-url'] ? { THREECX_URL: values['threecx-url'] } : {}),
  };
  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`${err.message}\n\nFix the configuration (see .env.example and docs/SETUP-3CX-ELEVENLABS.md), then run the doctor again.`);
    return 1;
  }
  const skipThreeCx = values['skip-threecx'];
  if (!skipThreeCx && !values.json && config.threecx.url) {
    console.log('Note: the 3CX checks mint a Call Control token, which ends the audio streams of a gateway running with the same API client. Use --skip-threecx while calls are live (the gateway logs these checks when it starts).\n');
  }
  const report = await runDoctor({ config, ...(skipThreeCx ? { threecx: false as const } : {}) });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
