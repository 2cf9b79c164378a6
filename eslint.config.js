import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.bench-dist/', '.build-test-*/', 'test-artifacts/', 'src/generated/', 'test/generated/', 'operations/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only src/config.ts reads process.env.' }],
    },
  },
  { files: ['src/config.ts', 'scripts/**', 'test/**', 'bench/**'], rules: { 'no-restricted-properties': 'off' } },
);
