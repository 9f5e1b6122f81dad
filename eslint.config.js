// Type-aware lint (docs/architecture.md §6). Layering: codecs/ imports nothing outside itself.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'data/**',
      'test-results/**',
      'bench/results/**',
      'web-demo/vendor/**',
    ],
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      curly: ['error', 'all'],
      'no-console': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
    },
  },
  {
    files: ['codecs/**/*.ts'],
    ignores: ['codecs/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        // Only relative imports that stay inside codecs/: no node:*, no packages, no gateway/.
        {
          patterns: [
            {
              regex: '^(?!\\.{1,2}/)|(^|/)(gateway|simulator|bench|test)/',
              message: 'codecs/ is pure: no Node, no packages, no gateway',
            },
          ],
        },
      ],
    },
  },
  {
    // Command-line entry points, tests, the simulator's CLI and benchmarks print to the terminal by design.
    files: [
      '**/*.test.ts',
      'bench/**/*.ts',
      'simulator/cli.ts',
      'gateway/cli.ts',
      'gateway/demo.ts',
      'test/**/*.ts',
    ],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
);
