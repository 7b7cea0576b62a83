import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';

// Runs Schemathesis (PyPI), found the way the project finds the Temporal CLI: on PATH, else in the
// git-ignored .tools/ folder where install-schemathesis.mjs puts it.

export const FUZZ_DIR = __dirname;
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const TOOLS_BIN = path.join(REPO_ROOT, '.tools', 'schemathesis', 'bin');
export const INSTALL_HINT = 'run `node tests/api/fuzz/install-schemathesis.mjs` (needs python3 and PyPI), or put `schemathesis` on PATH';

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findSchemathesis(searchPath = process.env.PATH ?? ''): string | undefined {
  const dirs = [...searchPath.split(path.delimiter).filter(Boolean), TOOLS_BIN];
  return dirs.map((dir) => path.join(dir, 'schemathesis')).find(executable);
}

export interface FuzzRun {
  exitCode: number;
  /** What Schemathesis printed about failures and errors (each with its request as curl), or all it printed when it failed otherwise. */
  report: string;
  /** One line per failed check: `<METHOD> <path>: <check title>`. */
  failures: string[];
  /** Test cases sent (all phases). */
  cases: number;
}

interface NdjsonEvent {
  ScenarioFinished?: { recorder?: { label?: string; cases?: Record<string, unknown>; checks?: Record<string, { name: string; status: string; failure_info?: { failure?: { title?: string; message?: string } } }[]> } };
}

/** Reads Schemathesis' NDJSON event log: the cases sent and every failed check. */
function readEvents(file: string): Pick<FuzzRun, 'failures' | 'cases'> {
  const failures = new Set<string>();
  let cases = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const recorder = (JSON.parse(line) as NdjsonEvent).ScenarioFinished?.recorder;
    if (!recorder) continue;
    cases += Object.keys(recorder.cases ?? {}).length;
    for (const checks of Object.values(recorder.checks ?? {})) {
      for (const check of checks) {
        if (check.status.toLowerCase() !== 'failure') continue;
        const failure = check.failure_info?.failure;
        failures.add(`${recorder.label ?? '?'}: ${failure?.title ?? check.name}${failure?.message ? ` — ${failure.message.split('\n').slice(0, 3).join(' / ')}` : ''}`);
      }
    }
  }
  return { failures: [...failures].sort(), cases };
}

/** The FAILURES and ERRORS sections of Schemathesis' console output. */
function failureSections(output: string): string {
  const sections = [...output.matchAll(/^=+ (FAILURES|ERRORS) =+$([\s\S]*?)(?=^=+ [A-Z ]+ =+$)/gm)].map((m) => m[0].trim());
  return sections.join('\n\n') || output;
}

/** Runs in `workDir`, where Schemathesis and Hypothesis keep their caches (so no run replays another's examples). */
export function runSchemathesis(binary: string, args: string[], env: Record<string, string>, workDir: string, timeoutMs: number): Promise<FuzzRun> {
  const ndjson = path.join(workDir, 'events.ndjson');
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      ['--config-file', path.join(FUZZ_DIR, 'schemathesis.toml'), 'run', ...args, '--report', 'ndjson', '--report-ndjson-path', ndjson],
      { cwd: workDir, env: { ...process.env, PYTHONPATH: FUZZ_DIR, NO_COLOR: '1', ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const exitCode = err && typeof err.code === 'number' ? err.code : err ? -1 : 0;
        if (err && exitCode === -1) return reject(new Error(`schemathesis did not finish: ${err.message}\n${stdout}\n${stderr}`));
        try {
          resolve({ exitCode, report: exitCode === 0 ? '' : failureSections(`${stdout}\n${stderr}`), ...readEvents(ndjson) });
        } catch (readErr) {
          reject(new Error(`no schemathesis report (${(readErr as Error).message}):\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}
