/** One jest run for the whole workspace: tests import sibling packages from their sources. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/test', '<rootDir>/dashboards'].filter((p) =>
    require('fs').existsSync(p.replace('<rootDir>', __dirname)),
  ),
  testMatch: ['**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  // ESM-only dependencies (hyparquet and its codecs) are compiled to CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!(\\.pnpm/)?(hyparquet|hyparquet-compressors|hysnappy|fzstd)[@/])'],
  moduleNameMapper: {
    '^@vigil/dashboards$': '<rootDir>/dashboards/src/index.ts',
    '^@vigil/test-kit/([a-z-]+)$': '<rootDir>/packages/test-kit/src/$1.ts',
    '^@vigil/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testTimeout: 60000,
};
