import { dirname, resolve } from 'node:path';
import { VigilError } from '@vigil/core';
import {
  DEFAULT_DASHBOARDS_PATH,
  buildDashboards,
  type BuildDashboardsOptions,
  type DatasourceOptions,
} from '@vigil/dashboards';
import { commandHelp, HELP_OPTION, parseCommandArgs, type CommandOptions } from './command-args';
import { EXIT, type CommandIo } from './command-io';
import { prepareOutputDirectory, writeOutputFile } from './output-path';

const USAGE = `Usage: vigil dashboards --out DIR [--dashboards-path PATH] [--database-url postgres://USER@HOST:PORT/DB]

Writes Vigil's Grafana dashboards (fleet, model, drift, calibration, fairness, incidents) and the provisioning
files for a PostgreSQL datasource and a dashboards folder. DIR is laid out as Grafana's provisioning folder:
mount it at /etc/grafana/provisioning, or copy its datasources/ and dashboards/ there.
`;

const OPTIONS = {
  out: {
    type: 'string',
    short: 'o',
    value: 'DIR',
    help: "where to write (created when missing; Vigil's files in it are replaced); required",
  },
  'dashboards-path': {
    type: 'string',
    value: 'PATH',
    help: `where Grafana reads the JSON files (default ${DEFAULT_DASHBOARDS_PATH})`,
  },
  'database-url': {
    type: 'string',
    value: 'URL',
    help: 'the database the datasource reads (host, port, database, user, sslmode); without it,\nGrafana takes them from its environment: VIGIL_PG_HOST (host:port), VIGIL_PG_DATABASE,\nVIGIL_PG_USER, VIGIL_PG_SSLMODE. The password always comes from VIGIL_PG_PASSWORD.',
  },
  help: HELP_OPTION,
} satisfies CommandOptions;

/** Host, database, user and sslmode of a postgres:// URL; a password in it is refused (it would land in a file). */
function datasourceFromUrl(text: string): DatasourceOptions {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new VigilError(
      'VIGIL_USAGE',
      `vigil dashboards: --database-url "${text}" is not a URL (postgres://USER@HOST:PORT/DATABASE)`,
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new VigilError(
      'VIGIL_USAGE',
      `vigil dashboards: --database-url must start with postgres://, not ${url.protocol}//`,
    );
  }
  if (url.password !== '') {
    throw new VigilError(
      'VIGIL_USAGE',
      'vigil dashboards: --database-url must not contain a password: it would be written to the provisioning file; give it to Grafana as VIGIL_PG_PASSWORD',
    );
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (url.hostname === '' || database === '') {
    throw new VigilError(
      'VIGIL_USAGE',
      'vigil dashboards: --database-url needs a host and a database (postgres://USER@HOST:PORT/DATABASE)',
    );
  }
  return {
    host: `${url.hostname}:${url.port || '5432'}`,
    database,
    ...(url.username === '' ? {} : { user: decodeURIComponent(url.username) }),
    ...(url.searchParams.has('sslmode') ? { sslmode: url.searchParams.get('sslmode') as string } : {}),
  };
}

export async function dashboardsCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('vigil dashboards', { args: [...argv], options: OPTIONS });
  if (values.help) {
    io.stdout(commandHelp(USAGE, OPTIONS, io.color));
    return EXIT.ok;
  }
  if (values.out === undefined || values.out === '')
    throw new VigilError('VIGIL_USAGE', 'vigil dashboards: --out DIR is required');
  const out = resolve(io.cwd, values.out);
  const paths = await writeDashboards(out, {
    ...(values['dashboards-path'] === undefined ? {} : { dashboardsPath: values['dashboards-path'] }),
    ...(values['database-url'] === undefined ? {} : { datasource: datasourceFromUrl(values['database-url']) }),
  });
  const dashboards = paths.filter((p) => p.endsWith('.json')).length;
  io.stdout(
    `Wrote ${dashboards} dashboards and their provisioning files to ${out}:\n${paths.map((p) => `  ${p}\n`).join('')}` +
      `Mount ${out} at /etc/grafana/provisioning (docker-compose.yml does this with dashboards/provisioning).\n`,
  );
  return EXIT.ok;
}

/**
 * Writes the dashboards and provisioning files under `out` (created when missing) and returns their paths
 * relative to it, for any command that writes the dashboards (the demo should). Vigil's files are replaced,
 * others left alone.
 */
export async function writeDashboards(out: string, options: BuildDashboardsOptions = {}): Promise<string[]> {
  const { files } = buildDashboards(options);
  const paths = Object.keys(files).sort();
  prepareOutputDirectory(out, 'vigil dashboards');
  for (const path of paths) {
    const target = resolve(out, path);
    prepareOutputDirectory(dirname(target), 'vigil dashboards');
    await writeOutputFile(target, files[path] as string, 'vigil dashboards');
  }
  return paths;
}
