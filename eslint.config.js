import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.relay/', '.tools/', 'eslint.config.js', 'bin/', '.dependency-cruiser.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  { files: ['web/src/**/*.{ts,tsx}'], ...reactHooks.configs.flat.recommended },
  // Playwright reads a fixture's dependencies from its destructured first parameter, so fixtures without any need `{}`.
  { files: ['test/browser/**/*.ts'], rules: { 'no-empty-pattern': 'off' } },
  {
    // Workflow code is replayed: it must stay deterministic and free of I/O.
    files: ['src/workflows/**/*.ts', 'src/*/workflows.ts', 'src/temporal/{ids,inputs,signals,search-attributes}.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'no Node built-ins in workflow code: use an activity' },
            {
              group: ['pg', 'kysely', 'express', '@aws-sdk/*', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'],
              message: 'I/O belongs in activities',
            },
            {
              group: [
                '**/db/**',
                '**/api/**',
                '**/http/**',
                '**/auth/**',
                '**/integrations/**',
                '**/security/**',
                '**/activities.js',
                '**/*repository.js',
                '**/*routes.js',
              ],
              message: 'workflows import only types of activities',
              allowTypeImports: true,
            },
          ],
          paths: ['fs', 'path', 'crypto', 'http', 'https', 'net', 'child_process', 'os'],
        },
      ],
    },
  },
);
