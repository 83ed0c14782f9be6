// ESLint 9 flat config: type-checked rules plus the runtime-layer import bans (see ARCHITECTURE.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const noElectron = { regex: '^electron(/.*)?$', message: 'The engine and contract run headless: never import electron here.' };
const noNode = { group: ['node:*'], message: 'The renderer is a sandboxed web page: no Node built-ins.' };
const noRenderer = { group: ['**/renderer/**'], message: 'Main never imports renderer code.' };
const noCli = { group: ['**/cli/**', '**/cli'], message: 'The engine and contract serve every front end: never import the CLI (electron/cli) here.' };
// no-restricted-imports does not see import(): the engine loaded the CLI's agent-session that way.
const noCliImportCall = { selector: 'ImportExpression[source.value=/(^|\\/)cli(\\/|$)/]', message: noCli.message };
const noEngineFromRenderer = { group: ['**/engine/**', '**/main/**', '**/cli/**'], message: 'The renderer talks only to an ApiClient.' };

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'examples/**', 'coverage/**', 'test/e2e/screenshots/**', 'resources/helpers/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Plain JS scripts (bin, scripts, bench): linted without type information.
    files: ['**/*.mjs', '**/*.cjs', 'bin/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      parserOptions: { projectService: false, program: null, project: false },
      globals: { ...globals.node },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  { files: ['electron/engine/**', 'electron/contract/**'], rules: { 'no-restricted-imports': ['error', { patterns: [noElectron, noRenderer, noCli] }], 'no-restricted-syntax': ['error', noCliImportCall] } },
  { files: ['electron/cli/**'], rules: { 'no-restricted-imports': ['error', { patterns: [noElectron, noRenderer] }] } },
  { files: ['electron/main/**', 'electron/preload/**'], rules: { 'no-restricted-imports': ['error', { patterns: [noRenderer] }] } },
  { files: ['renderer/**'], rules: { 'no-restricted-imports': ['error', { patterns: [noElectron, noNode, noEngineFromRenderer] }] } },
);
