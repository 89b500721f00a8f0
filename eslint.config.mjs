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

/*
 * The test kit is dev-only (never built, never published): product code (every package's `src`, the kit's own
 * aside) never imports it, by name or by a relative path, or the daemon would need it at run time.
 */
const NO_TEST_KIT = {
  regex: '^(@vigil/test-kit|(\\.\\./)+(packages/)?test-kit)(/.*)?$',
  message: 'product code never imports @vigil/test-kit: it holds dev-only test harnesses (docs/architecture.md)',
};

/*
 * Inside the daemon the arrows point down too (docs/architecture.md, "Inside the daemon"): bin.ts → main.ts → cli/ →
 * run/, review/, pipeline/, http/, report/. Those folders never import a command of cli/, main or bin, by a relative
 * path (`../cli/x`); what both sides need lives beside them in src (version.ts, write-csv.ts) or in the lower folder.
 */
const DAEMON_INNER = {
  files: ['run', 'review', 'pipeline', 'http', 'report'].map((folder) => `packages/daemon/src/${folder}/**/*.ts`),
  pattern: {
    regex: '^(\\.\\./)+(cli(/.*)?|main|bin)$',
    message:
      "the daemon's run/, review/, pipeline/, http/ and report/ do not import cli/, main or bin, which sit above them (docs/architecture.md)",
  },
};

function layerRules() {
  const names = Object.keys(LAYERS);
  return Object.entries(LAYERS)
    .map(([name, { dir, may }]) => {
      const banned = names.filter((other) => other !== name && !may.includes(other));
      const alternatives = banned.join('|');
      const allowed = may.length === 0 ? 'no other @vigil package' : may.map((m) => `@vigil/${m}`).join(', ');
      const message = `@vigil/${name} may import ${allowed} (the packages' one-way order: docs/architecture.md)`;
      const layerPatterns =
        banned.length === 0
          ? []
          : [
              { regex: `^@vigil/(${alternatives})(/.*)?$`, message },
              // A relative path into another package's sources (packages/x/src, dashboards/src).
              { regex: `^(\\.\\./)+(packages/)?(${alternatives})/src(/.*)?$`, message },
            ];
      // One entry per file set: a later entry's options for the same rule replace an earlier one's, not add to them,
      // so the daemon's inner folders repeat the package's patterns beside their own.
      const patterns = [...layerPatterns, NO_TEST_KIT];
      return [
        { files: [`${dir}/src/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns }] } },
        ...(name === 'daemon'
          ? [
              {
                files: DAEMON_INNER.files,
                rules: { 'no-restricted-imports': ['error', { patterns: [...patterns, DAEMON_INNER.pattern] }] },
              },
            ]
          : []),
      ];
    })
    .flat();
}

/** A package added under packages/ before it has a place in LAYERS still may not import the kit. */
const PRODUCT_CODE = {
  files: ['packages/*/src/**/*.ts'],
  ignores: ['packages/test-kit/**'],
  rules: { 'no-restricted-imports': ['error', { patterns: [NO_TEST_KIT] }] },
};

/*
 * Tests share harnesses through @vigil/test-kit, never by a relative path into another package's `test/` folder
 * (packages/x/test, dashboards/test): a helper two packages need belongs in the kit.
 */
const ACROSS_TESTS = {
  regex: '^(\\.\\./)+(packages/)?[a-z-]+/test(/.*)?$',
  message:
    "a test imports another package's test helpers through @vigil/test-kit (packages/test-kit), not by a relative path",
};
const TEST_IMPORTS = {
  files: ['**/test/**/*.ts'],
  rules: { 'no-restricted-imports': ['error', { patterns: [ACROSS_TESTS] }] },
};

/*
 * The kit reaches the packages it sets up the way their users do, by name (`@vigil/store`) and through their public
 * exports, never by a relative path into their sources: a package may then move its files without breaking the kit.
 */
const KIT_IMPORTS = {
  files: ['packages/test-kit/src/**/*.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ACROSS_TESTS,
          {
            regex: '^(\\.\\./)+(packages/)?[a-z-]+/src(/.*)?$',
            message:
              '@vigil/test-kit imports a package by its name (@vigil/x) and its public exports, not by a relative path into its src',
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
  PRODUCT_CODE,
  ...layerRules(),
  TEST_IMPORTS,
  KIT_IMPORTS,
);
