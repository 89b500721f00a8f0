/**
 * The lint rule behind docs/architecture.md's arrows (eslint.config.mjs, `no-restricted-imports` per package): a
 * package's sources importing a package above or beside it fails `pnpm run lint`, by name or by a relative path
 * into the other package's sources; the imports the page allows pass. ESLint runs in a child process (its
 * configuration is an ES module) on snippets linted as if they were a file of each package.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

interface Case {
  /** An existing source file of the package, whose text the snippet replaces for the lint run. */
  file: string;
  code: string;
}

/** The `no-restricted-imports` messages ESLint gives each snippet, with the repository's configuration. */
function restrictedImports(cases: readonly Case[]): string[][] {
  const script = `
    import { ESLint } from 'eslint';
    const cases = JSON.parse(process.argv[1]);
    const eslint = new ESLint({ cwd: ${JSON.stringify(ROOT)} });
    const out = [];
    for (const { file, code } of cases) {
      const [result] = await eslint.lintText(code, { filePath: file });
      out.push(result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
    }
    process.stdout.write(JSON.stringify(out));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(cases)], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`eslint failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as string[][];
}

const file = (pkg: string, name: string) => join(ROOT, pkg, 'src', name);
const use = (...specifiers: string[]) =>
  `${specifiers.map((s, i) => `import * as m${i} from '${s}';`).join('\n')}\nexport const all = [${specifiers.map((_, i) => `m${i}`).join(', ')}];\n`;

describe('the package layers are enforced by lint', () => {
  const backward: Array<[string, Case]> = [
    ['core imports the store', { file: file('packages/core', 'duration.ts'), code: use('@vigil/store') }],
    [
      'core imports the collector by a relative path',
      { file: file('packages/core', 'duration.ts'), code: use('../../collector/src/index') },
    ],
    ['analyzers import the collector', { file: file('packages/analyzers', 'index.ts'), code: use('@vigil/collector') }],
    [
      'collector imports the store (beside it, not below)',
      { file: file('packages/collector', 'index.ts'), code: use('@vigil/store') },
    ],
    ['store imports the analyzers', { file: file('packages/store', 'values.ts'), code: use('@vigil/analyzers') }],
    [
      'alerts import the daemon, deep',
      { file: file('packages/alerts', 'alerting.ts'), code: use('@vigil/daemon/dist/main') },
    ],
    [
      'alerts import the daemon by a relative path',
      { file: file('packages/alerts', 'alerting.ts'), code: use('../../daemon/src/main') },
    ],
    [
      'the demo imports the daemon (whose CLI runs the demos: a cycle)',
      { file: file('packages/demo', 'flights-demo.ts'), code: use('@vigil/daemon') },
    ],
    [
      "the demo imports the daemon's runner by a relative path",
      { file: file('packages/demo', 'flights-demo.ts'), code: use('../../daemon/src/run/daemon') },
    ],
    [
      'the demo imports the dashboards (the daemon writes them for it)',
      { file: file('packages/demo', 'flights-demo.ts'), code: use('@vigil/dashboards') },
    ],
    ['alerts import the demo', { file: file('packages/alerts', 'alerting.ts'), code: use('@vigil/demo') }],
    [
      'dashboards import the store by a relative path',
      { file: file('dashboards', 'panels.ts'), code: use('../../packages/store/src/index') },
    ],
  ];

  const allowed: Array<[string, Case]> = [
    ['analyzers import core', { file: file('packages/analyzers', 'index.ts'), code: use('@vigil/core') }],
    [
      'alerts import the store and core',
      { file: file('packages/alerts', 'alerting.ts'), code: use('@vigil/store', '@vigil/core') },
    ],
    [
      'the daemon imports every package',
      {
        file: file('packages/daemon', 'main.ts'),
        code: use(
          '@vigil/core',
          '@vigil/analyzers',
          '@vigil/collector',
          '@vigil/store',
          '@vigil/alerts',
          '@vigil/dashboards',
          '@vigil/demo',
        ),
      },
    ],
    [
      'the demo imports the packages below the daemon',
      {
        file: file('packages/demo', 'flights-demo.ts'),
        code: use('@vigil/core', '@vigil/analyzers', '@vigil/collector', '@vigil/store', '@vigil/alerts'),
      },
    ],
    [
      'a package imports its own folders',
      { file: file('packages/collector', 'index.ts'), code: use('./kafka/codecs', './decode/prediction-columns') },
    ],
  ];

  const messages = restrictedImports([...backward, ...allowed].map(([, c]) => c));

  test.each(backward.map(([name], i) => [name, i] as const))('%s: lint fails naming the one-way order', (_name, i) => {
    expect(messages[i]).toHaveLength(1);
    expect(messages[i]![0]).toMatch(
      /^'[^']+' import is restricted from being used by a pattern\. @vigil\/[a-z]+ may import .+ \(the packages' one-way order: docs\/architecture\.md\)$/,
    );
  });

  test.each(allowed.map(([name], i) => [name, backward.length + i] as const))('%s: lint passes', (_name, i) => {
    expect(messages[i]).toEqual([]);
  });
});

describe("tests share helpers through @vigil/test-kit, not another package's test/ folder", () => {
  const testFile = (pkg: string, name: string) => join(ROOT, pkg, 'test', name);
  const across: Array<[string, Case]> = [
    [
      "the daemon's tests import the store's test helpers",
      {
        file: testFile('packages/daemon', 'run/stream-runner.test.ts'),
        code: use('../../../store/test/helpers/database'),
      },
    ],
    [
      "the dashboards' tests import the store's test helpers",
      { file: testFile('dashboards', 'panel-sql.test.ts'), code: use('../../packages/store/test/helpers/database') },
    ],
    [
      "the chaos tests import the daemon's test helpers",
      { file: join(ROOT, 'test/chaos/crash-run.test.ts'), code: use('../../packages/daemon/test/run/daemon-harness') },
    ],
  ];
  const allowed: Array<[string, Case]> = [
    [
      'a test imports the kit',
      {
        file: testFile('packages/daemon', 'run/stream-runner.test.ts'),
        code: use('@vigil/test-kit', '@vigil/test-kit/daemon-harness'),
      },
    ],
    [
      'a test imports helpers of its own test folder',
      { file: testFile('packages/alerts', 'engine/grouping.test.ts'), code: use('../helpers/windows') },
    ],
  ];
  const messages = restrictedImports([...across, ...allowed].map(([, c]) => c));

  test.each(across.map(([name], i) => [name, i] as const))('%s: lint fails naming the kit', (_name, i) => {
    expect(messages[i]).toHaveLength(1);
    expect(messages[i]![0]).toMatch(/through @vigil\/test-kit/);
  });

  test.each(allowed.map(([name], i) => [name, across.length + i] as const))('%s: lint passes', (_name, i) => {
    expect(messages[i]).toEqual([]);
  });
});

describe('product code never imports @vigil/test-kit, and the kit imports packages by name', () => {
  const kit = (name: string) => join(ROOT, 'packages/test-kit/src', name);
  const refused: Array<[string, Case, RegExp]> = [
    [
      "the daemon's sources import the kit",
      { file: file('packages/daemon', 'main.ts'), code: use('@vigil/test-kit') },
      /never imports @vigil\/test-kit/,
    ],
    [
      "the store's sources import the kit's daemon harness",
      { file: file('packages/store', 'values.ts'), code: use('@vigil/test-kit/daemon-harness') },
      /never imports @vigil\/test-kit/,
    ],
    [
      "the collector's sources import the kit by a relative path",
      { file: file('packages/collector', 'index.ts'), code: use('../../test-kit/src/database') },
      /never imports @vigil\/test-kit/,
    ],
    [
      "the dashboards' sources import the kit",
      { file: file('dashboards', 'panels.ts'), code: use('@vigil/test-kit') },
      /never imports @vigil\/test-kit/,
    ],
    [
      "the kit imports the store's sources by a relative path",
      { file: kit('database.ts'), code: use('../../store/src/sql/pglite-client') },
      /imports a package by its name \(@vigil\/x\) and its public exports/,
    ],
    [
      "the kit imports the daemon's sources by a relative path",
      { file: kit('daemon-harness.ts'), code: use('../../daemon/src/run/stream-runner') },
      /imports a package by its name \(@vigil\/x\) and its public exports/,
    ],
    [
      "the kit imports another package's test folder",
      { file: kit('services.ts'), code: use('../../daemon/test/run/daemon-harness') },
      /through @vigil\/test-kit/,
    ],
  ];
  const allowed: Array<[string, Case]> = [
    [
      'the kit imports packages by name',
      { file: kit('daemon-harness.ts'), code: use('@vigil/store', '@vigil/daemon', '@vigil/core') },
    ],
    ['the kit imports its own files', { file: kit('index.ts'), code: use('./database', './webhook-sink') }],
    [
      'a test imports the kit',
      { file: join(ROOT, 'test/architecture/import-layers.test.ts'), code: use('@vigil/test-kit') },
    ],
  ];
  const messages = restrictedImports([...refused, ...allowed].map(([, c]) => c));

  test.each(refused.map(([name, , pattern], i) => [name, i, pattern] as const))(
    '%s: lint fails saying why',
    (_name, i, pattern) => {
      expect(messages[i]).toHaveLength(1);
      expect(messages[i]![0]).toMatch(pattern);
    },
  );

  test.each(allowed.map(([name], i) => [name, refused.length + i] as const))('%s: lint passes', (_name, i) => {
    expect(messages[i]).toEqual([]);
  });
});

describe('inside the daemon the arrows point down: run/, review/, pipeline/, http/ and report/ never import cli/', () => {
  const inner = /the daemon's run\/, review\/, pipeline\/, http\/ and report\/ do not import cli\/, main or bin/;
  const refused: Array<[string, Case, RegExp]> = [
    [
      'http imports the version from cli/ (the last backward arrow, gone)',
      { file: file('packages/daemon', 'http/prometheus-registry.ts'), code: use('../cli/version') },
      inner,
    ],
    [
      "the report's page imports a command's helper",
      { file: file('packages/daemon', 'report/render-html.ts'), code: use('../cli/report-command') },
      inner,
    ],
    ['the runner imports main', { file: file('packages/daemon', 'run/daemon.ts'), code: use('../main') }, inner],
    [
      "an inner folder still may not import the kit (the package's patterns hold beside the folder's)",
      { file: file('packages/daemon', 'review/review-out.ts'), code: use('@vigil/test-kit') },
      /never imports @vigil\/test-kit/,
    ],
  ];
  const allowed: Array<[string, Case]> = [
    [
      'http imports the version from its home beside the folders',
      { file: file('packages/daemon', 'http/prometheus-registry.ts'), code: use('../version', '../write-csv') },
    ],
    [
      'a command imports the folders below it',
      { file: file('packages/daemon', 'cli/run-command.ts'), code: use('../run/daemon', '../report/render-html') },
    ],
  ];
  const messages = restrictedImports([...refused, ...allowed].map(([, c]) => c));

  test.each(refused.map(([name, , pattern], i) => [name, i, pattern] as const))(
    '%s: lint fails saying why',
    (_name, i, pattern) => {
      expect(messages[i]).toHaveLength(1);
      expect(messages[i]![0]).toMatch(pattern);
    },
  );

  test.each(allowed.map(([name], i) => [name, refused.length + i] as const))('%s: lint passes', (_name, i) => {
    expect(messages[i]).toEqual([]);
  });
});
