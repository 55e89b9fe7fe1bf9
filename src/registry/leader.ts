// Leader election among the registries sharing one `_schemas` topic, as
// Confluent's does it: every registry joins the group `schema.registry.group.id`
// with protocol type 'sr', its identity (host, port, scheme, eligibility) as
// member metadata; the group leader picks one eligible member as the registry
// leader and tells everyone in the assignment. Only the leader writes (so ids
// come from one place); the others forward writes to its URL.

import { createLogger } from '../observability/logger.js';
import type { Assignment, GroupMember, GroupMemberInfo, JoinGroupOptions } from '../client/index.js';
import { Errors } from './errors.js';
import type { WriteForwarder } from './rest.js';

const log = createLogger('registry-leader');

export const PROTOCOL_TYPE = 'sr';
const PROTOCOL_NAME = 'v0';

/** Confluent's SchemaRegistryIdentity, plus the path the REST API is mounted under. */
export interface RegistryIdentity {
  version: number;
  host: string;
  port: number;
  scheme: string;
  leader_eligibility: boolean;
  path?: string;
}

interface LeaderAssignment {
  version: number;
  /** 0 none, 1 duplicate URLs (Confluent's codes). */
  error: number;
  leader: string | null;
  leader_identity: RegistryIdentity | null;
}

export interface GroupClient {
  joinGroup(groupId: string, opts: JoinGroupOptions): Promise<GroupMember>;
}

export function identityUrl(id: RegistryIdentity): string {
  return `${id.scheme}://${id.host.includes(':') ? `[${id.host}]` : id.host}:${id.port}${id.path ?? ''}`;
}

function parseIdentity(buf: Buffer): RegistryIdentity | null {
  try {
    const v = JSON.parse(buf.toString('utf8')) as Record<string, unknown>;
    if (typeof v['host'] !== 'string' || typeof v['port'] !== 'number') return null;
    // Older Confluent registries call it master_eligibility.
    const eligible = v['leader_eligibility'] ?? v['master_eligibility'];
    return {
      version: typeof v['version'] === 'number' ? v['version'] : 1, host: v['host'], port: v['port'],
      scheme: typeof v['scheme'] === 'string' ? v['scheme'] : 'http', leader_eligibility: eligible !== false,
      ...(typeof v['path'] === 'string' ? { path: v['path'] } : {}),
    };
  } catch {
    return null;
  }
}

/** The group leader's choice: the eligible member with the smallest member id, stable across rebalances. */
export function chooseLeader(members: GroupMemberInfo[]): LeaderAssignment {
  const eligible = members
    .map((m) => ({ memberId: m.memberId, identity: parseIdentity(m.metadata) }))
    .filter((m): m is { memberId: string; identity: RegistryIdentity } => m.identity !== null && m.identity.leader_eligibility)
    .sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const urls = eligible.map((m) => identityUrl(m.identity));
  if (new Set(urls).size !== urls.length) return { version: 1, error: 1, leader: null, leader_identity: null };
  const chosen = eligible[0];
  return { version: 1, error: 0, leader: chosen?.memberId ?? null, leader_identity: chosen?.identity ?? null };
}

export class LeaderElector {
  private member: GroupMember | null = null;
  private assignment: { memberId: string; leader: string | null; identity: RegistryIdentity | null } | null = null;
  private waiters: (() => void)[] = [];
  private stopped = false;
  private joining: Promise<void> | null = null;

  constructor(
    private readonly client: GroupClient,
    private readonly groupId: string,
    private readonly identity: RegistryIdentity,
    /** Called when this registry becomes the leader (it must have read `_schemas` to the end before writing). */
    private readonly onLeadership: (leader: boolean) => void = () => {},
  ) {}

  /** Joins in the background: a new group waits group.initial.rebalance.delay.ms before its first generation. */
  start(): void {
    this.joining = (async () => {
      while (!this.stopped && this.member === null) {
        try {
          this.member = await this.client.joinGroup(this.groupId, this.joinOptions());
        } catch (err) {
          if (this.stopped) return;
          log.warn('joining the schema registry group failed; retrying', { group: this.groupId, error: err });
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    })();
  }

  private joinOptions(): JoinGroupOptions {
    return {
      protocolType: PROTOCOL_TYPE,
      protocols: [{ name: PROTOCOL_NAME, metadata: Buffer.from(JSON.stringify(this.identity)) }],
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      assign: (members) => {
        const choice = Buffer.from(JSON.stringify(chooseLeader(members)));
        return new Map(members.map((m) => [m.memberId, choice]));
      },
      onAssigned: (a) => this.assigned(a),
      onRevoked: () => {
        this.assignment = null;
        this.onLeadership(false);
      },
    };
  }

  private assigned(a: Assignment): void {
    let parsed: LeaderAssignment | null = null;
    try {
      const v = JSON.parse(a.assignment.toString('utf8')) as Record<string, unknown>;
      const leader = (v['leader'] ?? v['master'] ?? null) as string | null;
      const identity = parseIdentity(Buffer.from(JSON.stringify(v['leader_identity'] ?? v['master_identity'] ?? {})));
      parsed = { version: 1, error: typeof v['error'] === 'number' ? v['error'] : 0, leader, leader_identity: identity };
    } catch {
      log.warn('unreadable schema registry assignment', { group: this.groupId });
    }
    this.assignment = { memberId: a.memberId, leader: parsed?.leader ?? null, identity: parsed?.leader_identity ?? null };
    const leader = this.isLeader();
    log.info('schema registry leader elected', {
      leader: this.assignment.identity !== null ? identityUrl(this.assignment.identity) : 'none', self: leader,
    });
    this.onLeadership(leader);
    for (const w of this.waiters.splice(0)) w();
  }

  isLeader(): boolean {
    return this.assignment !== null && this.assignment.leader !== null && this.assignment.leader === this.assignment.memberId;
  }

  /** The leader's identity once one is elected; waits up to `timeoutMs` for the election. */
  async leader(timeoutMs: number): Promise<RegistryIdentity | null> {
    if (this.assignment === null && !this.stopped) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== done);
          resolve();
        }, timeoutMs);
        const done = () => { clearTimeout(timer); resolve(); };
        this.waiters.push(done);
      });
    }
    return this.assignment?.identity ?? null;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.waiters.splice(0)) w();
    await this.joining;
    await this.member?.leave();
    this.member = null;
    this.assignment = null;
  }

  /** Waits for the next assignment (a rebalance after the leader went away), at most `timeoutMs`. */
  private nextAssignment(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      }, timeoutMs);
      const done = () => { clearTimeout(timer); resolve(); };
      this.waiters.push(done);
    });
  }

  /** The REST forwarder: null when this registry may write itself, else the leader's answer. */
  forwarder(electionTimeoutMs: number, afterForward: () => Promise<void>): WriteForwarder {
    return async (method, pathAndQuery, body, headers) => {
      let res: Response | null = null;
      let leader: RegistryIdentity | null = null;
      // A leader that just went away is unreachable until the group rebalances: wait for that once, then retry.
      for (let attempt = 0; res === null; attempt++) {
        leader = await this.leader(electionTimeoutMs);
        if (this.isLeader()) return null;
        if (leader === null) throw Errors.unknownLeader('Leader not known.');
        try {
          res = await fetch(`${identityUrl(leader)}${pathAndQuery}`, {
            method, headers, ...(body !== null ? { body: new Uint8Array(body) } : {}), signal: AbortSignal.timeout(30_000),
          });
        } catch (err) {
          if (attempt > 0) throw Errors.forwardingFailed(`Error while forwarding the request to the leader ${identityUrl(leader)}: ${(err as Error).message}`);
          await this.nextAssignment(electionTimeoutMs);
        }
      }
      const out = Buffer.from(await res.arrayBuffer());
      // Read-your-writes on this registry too: the leader acknowledged after its write was consumed.
      if (res.status < 300) await afterForward();
      return { status: res.status, body: out, contentType: res.headers.get('content-type') ?? 'application/vnd.schemaregistry.v1+json' };
    };
  }
}
