import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

// Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no Prisma, no
// activity implementations, no integrations (I/O). Only types may cross that line.
const forbiddenInWorkflows = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/generated/**', 'coverage/**', '.tools/**', '.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // Simulators stand in for 3CX and ElevenLabs in tests, the bench and `npm start` (src/dev*), never in production code.
    files: ['src/**/*.ts'],
    ignores: ['src/dev.ts', 'src/dev/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/simulators/**', '**/simulators'], message: 'Production code never imports a simulator (only src/dev.ts and src/dev/ may).' }] },
      ],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: forbiddenInWorkflows.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins.' })),
          patterns: [
            { group: ['**/generated/**', '@prisma/*', 'pg', 'undici'], message: 'No database or network access in workflows: use an activity.' },
            { group: ['**/simulators/**', '**/activities/*', '**/activities', '**/integrations/**', '**/gateway/**', '**/db/**', '**/api/**'], allowTypeImports: true, message: 'Workflows import only types of activities and integrations.' },
          ],
        },
      ],
    },
  },
  { files: ['**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly' } },
  },
  {
    files: ['tests/**/*.ts'],
    rules: {
      // Tests read JSON responses of unknown shape and assert on them.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
