// ESLint, run by `npm test` (`npm run lint`): typescript-eslint's recommended rules everywhere, and no import
// cycles in lib/ (the areas import one way: common <- core <- hosting, packaging, training <- the composite).
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

export default tseslint.config(
  {
    ignores: ['node_modules/**', 'cdk.out/**', '**/cdk.out/**', 'assets/**', 'dist/**', 'build/**', '.bench/**', 'coverage/**', '**/*.d.ts', 'test/integ/**/*.snapshot/**'],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // Resolve and parse the TypeScript sources themselves (a rule that cannot resolve an import sees no cycle).
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // Tests walk synthesized CloudFormation JSON and API models, which have no static types.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Node scripts and the CLI entry point are CommonJS/ESM JavaScript.
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
