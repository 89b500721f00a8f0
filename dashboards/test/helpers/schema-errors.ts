import { join } from 'node:path';
import * as ts from 'typescript';

/** A dashboard file TypeScript rejected against `SchemaDashboard`: `file:line: message`. */
export interface SchemaError {
  file: string;
  line: number;
  message: string;
}

const HEADER = [
  "import type { SchemaDashboard } from './grafana-schema';",
  'export const dashboard: SchemaDashboard = ',
];

/**
 * Type-checks each JSON text as an object literal assigned to `SchemaDashboard` (JSON is TypeScript expression
 * syntax), all in one program, and returns every error at its line in the JSON text.
 */
export function schemaErrors(files: Record<string, string>): SchemaError[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    types: [],
  };
  const virtual = new Map(
    Object.entries(files).map(([file, json], i) => [
      join(__dirname, `schema-check-${i}.ts`),
      { file, text: `${HEADER.join('\n')}${json}` },
    ]),
  );
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
  host.readFile = (name) => virtual.get(name)?.text ?? readFile.call(host, name);
  host.getSourceFile = (name, language, ...rest) => {
    const v = virtual.get(name);
    return v ? ts.createSourceFile(name, v.text, language) : getSourceFile.call(host, name, language, ...rest);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const v = d.file && virtual.get(d.file.fileName);
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
    return {
      file: v?.file ?? d.file?.fileName ?? '(program)',
      line: v ? line - HEADER.length + 2 : line + 1,
      message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    };
  });
}
