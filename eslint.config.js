// Lint: typescript-eslint's recommended rules, no `any`, the process-layer boundaries and the
// layers inside src/main (engine-layers.js).
import tseslint from 'typescript-eslint';
import layers from './eslint-rules/layers.js';
import engineLayers from './eslint-rules/engine-layers.js';

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'native/build/**', 'test/fixtures/**', 'bench/results/**'] },
  ...tseslint.configs.recommended,
  {
    plugins: { local: { rules: { layers, 'engine-layers': engineLayers } } },
    rules: {
      'local/layers': 'error',
      'local/engine-layers': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
