/**
 * Three projects, so a suite only needs what it uses:
 * - `unit`: plain code, simulators and clients over local HTTP — no PostgreSQL, no Temporal;
 * - `temporal`: workflows on a real Temporal server (the time-skipping one included) — no PostgreSQL;
 * - `integration`: everything on real PostgreSQL and Temporal (see tests/setup/global-setup.ts).
 * `npx jest --selectProjects unit` runs without any service.
 */
const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};

const unit = ['<rootDir>/tests/unit/', '<rootDir>/tests/simulators/', '<rootDir>/tests/doctor/', '<rootDir>/tests/integrations/(elevenlabs|storage|threecx)/'];
const temporal = ['<rootDir>/tests/workflows/', '<rootDir>/tests/integrations/temporal/'];

module.exports = {
  testTimeout: 60_000,
  forceExit: true,
  projects: [
    { ...shared, displayName: 'unit', roots: ['<rootDir>/tests'], testMatch: unit.map((dir) => `${dir}**/*.test.ts`) },
    {
      ...shared,
      displayName: 'temporal',
      roots: ['<rootDir>/tests'],
      testMatch: temporal.map((dir) => `${dir}**/*.test.ts`),
      globalSetup: '<rootDir>/tests/setup/temporal-setup.ts',
      globalTeardown: '<rootDir>/tests/setup/temporal-teardown.ts',
    },
    {
      ...shared,
      displayName: 'integration',
      roots: ['<rootDir>/tests'],
      testMatch: ['<rootDir>/tests/**/*.test.ts'],
      testPathIgnorePatterns: [...unit, ...temporal],
      globalSetup: '<rootDir>/tests/setup/global-setup.ts',
      globalTeardown: '<rootDir>/tests/setup/global-teardown.ts',
    },
  ],
};
