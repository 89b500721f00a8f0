import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/*
 * Which package may import which (docs/architecture.md): the data flows one way, core ← {analyzers, collector,
 * store} ← alerts ← demo ← daemon, and dashboards stands beside them. Each package's sources may import only the
 * packages below it, by name (`@vigil/x`, `@vigil/x/…`) or by a relative path into their sources; tests may reach
 * further (the daemon's tests drive everything, the collector's use the store as a fixture).
 */
const LAYERS = {
  core: { dir: 'packages/core', may: [] },
  analyzers: { dir: 'packages/analyzers', may: ['core'] },
  collector: { dir: 'packages/collector', may: ['core'] },
  store: { dir: 'packages/store', may: ['core'] },
  alerts: { dir: 'packages/alerts', may: ['core', 'store'] },
  dashboards: { dir: 'dashboards', may: ['core'] },
  // The demos sit below the daemon, whose `vigil demo` runs them: the daemon's pieces they use are handed in.
  demo: { dir: 'packages/demo', may: ['core', 'analyzers', 'collector', 'store', 'alerts'] },
  daemon: { dir: 'packages/daemon', may: ['core', 'analyzers', 'collector', 'store', 'alerts', 'dashboards', 'demo'] },
};

function layerRules() {
  const names = Object.keys(LAYERS);
  return Object.entries(LAYERS)
    .filter(([, { may }]) => may.length < names.length - 1)
    .map(([name, { dir, may }]) => {
      const banned = names.filter((other) => other !== name && !may.includes(other));
      const alternatives = banned.join('|');
      const allowed = may.length === 0 ? 'no other @vigil package' : may.map((m) => `@vigil/${m}`).join(', ');
      const message = `@vigil/${name} may import ${allowed} (the packages' one-way order: docs/architecture.md)`;
      return {
        files: [`${dir}/src/**/*.ts`],
        rules: {
          'no-restricted-imports': [
            'error',
            {
              patterns: [
                { regex: `^@vigil/(${alternatives})(/.*)?$`, message },
                // A relative path into another package's sources (packages/x/src, dashboards/src).
                { regex: `^(\\.\\./)+(packages/)?(${alternatives})/src(/.*)?$`, message },
              ],
            },
          ],
        },
      };
    });
}

/*
 * Tests share harnesses through @vigil/test-kit, never by a relative path into another package's `test/` folder
 * (packages/x/test, dashboards/test): a helper two packages need belongs in the kit.
 */
const TEST_IMPORTS = {
  files: ['**/test/**/*.ts', 'packages/test-kit/src/**/*.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: '^(\\.\\./)+(packages/)?[a-z-]+/test(/.*)?$',
            message:
              "a test imports another package's test helpers through @vigil/test-kit (packages/test-kit), not by a relative path",
          },
        ],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.venv/**', 'bench/.venv/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': ['error'],
    },
  },
  { files: ['**/test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'], rules: { 'no-console': 'off' } },
  ...layerRules(),
  TEST_IMPORTS,
);
