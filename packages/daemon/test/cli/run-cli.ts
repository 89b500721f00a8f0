import { main } from '../../src/main';

/** Runs `vigil ARGS` in-process and captures its output and exit code. */
export async function runCli(
  args: string[],
  cwd = process.cwd(),
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, env });
  return { code, stdout, stderr };
}
