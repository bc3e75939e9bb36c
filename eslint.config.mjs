import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.next*/', '.data/', '.scratch/', 'test-results/', 'test-results-auth/', 'playwright-report/', 'next-env.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-empty-object-type': 'off',
      // lib/env.ts is the only reader of process.env (STYLE rule 5).
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through lib/env.ts' }],
      // Job data is never rendered as HTML.
      'no-restricted-syntax': ['error', { selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']", message: 'Never render data as HTML' }],
    },
  },
  {
    // Files allowed to touch process.env: the env module itself, test harnesses and fixtures, and the
    // CLI, which turns its flags into the variables lib/env.ts reads.
    files: ['lib/env.ts', 'test/**', 'e2e/**', '*.config.ts', 'bench/**', 'scripts/**', 'cli/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // The worker never sees the UI (STYLE rule 8); lib/ stays framework-free (rule 1).
    files: ['worker/**', 'lib/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['next', 'next/*', 'react', 'react-dom', 'socket.io', 'socket.io-client', '@/components/*', '@/app/*'] }],
    },
  },
  {
    // The demo is an application of the package: it imports `celerity` and `celerity/worker`, never the internals.
    files: ['worker/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['next', 'next/*', 'react', 'react-dom', 'socket.io', 'socket.io-client', '@/*'], message: 'The demo uses the package only' },
            { group: ['**/lib/*', '**/lib/**'], message: "Import from 'celerity' or 'celerity/worker', as an application does" },
          ],
        },
      ],
    },
  },
);
