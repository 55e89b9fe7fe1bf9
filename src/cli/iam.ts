// `tributary service-accounts ...` and `tributary api-keys ...`: the IAM v2
// REST API of a running platform, from the command line (as the confluent
// CLI drives Confluent Cloud's). Credentials for the HTTP port, when it asks
// for them, come from --api-key/--api-secret or TRIBUTARY_API_KEY/_SECRET.

import { UsageError } from './args.js';

export const IAM_HELP = `Usage:
  tributary service-accounts create NAME [--description TEXT]
  tributary service-accounts list
  tributary service-accounts delete ID
  tributary api-keys create --service-account ID [--description TEXT]
  tributary api-keys list [--service-account ID]
  tributary api-keys delete KEY

An API key is a SASL/PLAIN username and its secret the password; the secret is
shown once, when the key is created. Deleting a service account deletes its keys.

Options:
  --url URL              The platform's HTTP port (default $TRIBUTARY_URL or http://127.0.0.1:8080)
  --api-key KEY          Credentials for the HTTP port when it requires them
  --api-secret SECRET      (default $TRIBUTARY_API_KEY / $TRIBUTARY_API_SECRET)
  --output json          Print the API's JSON instead of a table
  -h, --help             Show this help
`;

interface IamCommand {
  resource: 'service-accounts' | 'api-keys';
  action: 'create' | 'list' | 'delete';
  positional: string[];
  flags: Map<string, string>;
}

const VALUE_FLAGS = new Set(['--url', '--api-key', '--api-secret', '--output', '--description', '--service-account']);

export function isIamCommand(argv: readonly string[]): boolean {
  return argv[0] === 'service-accounts' || argv[0] === 'api-keys';
}

function parse(argv: readonly string[]): IamCommand | 'help' {
  const [resource, action, ...rest] = argv as [IamCommand['resource'], string | undefined, ...string[]];
  if (action === undefined || action === '--help' || action === '-h' || action === 'help') return 'help';
  if (action !== 'create' && action !== 'list' && action !== 'delete') throw new UsageError(`unknown ${resource} command '${action}' (create, list, delete)`);
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!VALUE_FLAGS.has(flag)) throw new UsageError(`unknown option '${flag}'`);
    const value = eq > 0 ? arg.slice(eq + 1) : rest[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    flags.set(flag, value);
  }
  const wanted = action === 'list' || (resource === 'api-keys' && action === 'create') ? 0 : 1;
  if (positional.length !== wanted) {
    throw new UsageError(wanted === 0 ? `unexpected argument '${positional[0]}'` : `${resource} ${action} takes ${resource === 'api-keys' ? 'a KEY' : action === 'create' ? 'a NAME' : 'an ID'}`);
  }
  if (resource === 'api-keys' && action === 'create' && !flags.has('--service-account')) throw new UsageError('api-keys create needs --service-account ID');
  const output = flags.get('--output');
  if (output !== undefined && output !== 'json') throw new UsageError(`--output takes 'json', got '${output}'`);
  return { resource, action, positional, flags };
}

interface HttpAnswer {
  status: number;
  body: Record<string, unknown> | null;
}

async function call(cmd: IamCommand, method: string, path: string, body?: unknown): Promise<HttpAnswer> {
  const base = (cmd.flags.get('--url') ?? process.env['TRIBUTARY_URL'] ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const key = cmd.flags.get('--api-key') ?? process.env['TRIBUTARY_API_KEY'];
  const secret = cmd.flags.get('--api-secret') ?? process.env['TRIBUTARY_API_SECRET'];
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key !== undefined && secret !== undefined) headers['authorization'] = `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch (err) {
    throw new IamCliError(`cannot reach ${base}: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`);
  }
  const text = await res.text();
  let parsed: Record<string, unknown> | null = null;
  try {
    parsed = text === '' ? null : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    throw new IamCliError(`${method} ${path}: HTTP ${res.status} with a body that is not JSON`);
  }
  if (res.status >= 400) {
    const errors = parsed?.['errors'];
    const detail = Array.isArray(errors) ? (errors[0] as { detail?: string } | undefined)?.detail : (parsed?.['message'] as string | undefined);
    throw new IamCliError(`${method} ${path}: HTTP ${res.status}${detail !== undefined ? `: ${detail}` : ''}`);
  }
  return { status: res.status, body: parsed };
}

/** A failure the user should see in one line (exit code 1). */
export class IamCliError extends Error {
  override name = 'IamCliError';
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Runs one IAM command; returns the exit code. */
export async function runIam(argv: readonly string[], stdout: (t: string) => void): Promise<number> {
  const cmd = parse(argv);
  if (cmd === 'help') {
    stdout(IAM_HELP);
    return 0;
  }
  const json = cmd.flags.get('--output') === 'json';
  const print = (answer: HttpAnswer, human: () => string): void => stdout(json ? `${JSON.stringify(answer.body, null, 2)}\n` : human());
  const description = cmd.flags.get('--description');
  if (cmd.resource === 'service-accounts') {
    switch (cmd.action) {
      case 'create': {
        const a = await call(cmd, 'POST', '/iam/v2/service-accounts', { display_name: cmd.positional[0], description: description ?? '' });
        print(a, () => `Created service account ${str(a.body?.['id'])} (${str(a.body?.['display_name'])})\n`);
        return 0;
      }
      case 'list': {
        const a = await call(cmd, 'GET', '/iam/v2/service-accounts');
        const data = (a.body?.['data'] ?? []) as Record<string, unknown>[];
        print(a, () => table([['ID', 'NAME', 'DESCRIPTION'], ...data.map((d) => [str(d['id']), str(d['display_name']), str(d['description'])])]));
        return 0;
      }
      case 'delete': {
        const id = cmd.positional[0]!;
        await call(cmd, 'DELETE', `/iam/v2/service-accounts/${encodeURIComponent(id)}`);
        if (!json) stdout(`Deleted service account ${id} and its API keys\n`);
        return 0;
      }
    }
  }
  switch (cmd.action) {
    case 'create': {
      const a = await call(cmd, 'POST', '/iam/v2/api-keys', { spec: { owner: { id: cmd.flags.get('--service-account') }, description: description ?? '' } });
      const spec = (a.body?.['spec'] ?? {}) as Record<string, unknown>;
      print(a, () => `API key:    ${str(a.body?.['id'])}\nAPI secret: ${str(spec['secret'])}\nThe secret is not shown again: keep it now.\n`);
      return 0;
    }
    case 'list': {
      const owner = cmd.flags.get('--service-account');
      const a = await call(cmd, 'GET', `/iam/v2/api-keys${owner !== undefined ? `?spec.owner=${encodeURIComponent(owner)}` : ''}`);
      const data = (a.body?.['data'] ?? []) as Record<string, unknown>[];
      print(a, () => table([['KEY', 'OWNER', 'DESCRIPTION', 'CREATED'], ...data.map((d) => {
        const spec = (d['spec'] ?? {}) as Record<string, unknown>;
        const meta = (d['metadata'] ?? {}) as Record<string, unknown>;
        return [str(d['id']), str((spec['owner'] as Record<string, unknown> | undefined)?.['id']), str(spec['description']), str(meta['created_at'])];
      })]));
      return 0;
    }
    case 'delete': {
      const key = cmd.positional[0]!;
      await call(cmd, 'DELETE', `/iam/v2/api-keys/${encodeURIComponent(key)}`);
      if (!json) stdout(`Deleted API key ${key}\n`);
      return 0;
    }
  }
}
