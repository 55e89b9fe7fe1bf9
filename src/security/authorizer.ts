// The one authorization decision (ARCHITECTURE.md, principle 7), with the
// semantics of Kafka's StandardAuthorizer: super.users (and the internal
// principal of in-process connections, User:__tributary) may do everything; a
// DENY that matches wins over any ALLOW; READ, WRITE, DELETE and ALTER imply
// DESCRIBE and ALTER_CONFIGS implies DESCRIBE_CONFIGS; a resource no ACL
// applies to is allowed only with allow.everyone.if.no.acl.found. ACLs are
// kept in the metadata log.

import { randomUUID } from 'node:crypto';
import {
  AclOperation, AclPermissionType, filterMatches, PatternType, WILDCARD_HOST, WILDCARD_PRINCIPAL, WILDCARD_RESOURCE,
  type AclBinding, type AclBindingFilter,
} from './acl.js';
import type { AuditLogger } from './audit-log.js';
import { isInternalPrincipal, principalToString, type KafkaPrincipal } from './principal.js';

/** A stored binding with its id (for deletion). */
export interface StoredAcl extends AclBinding {
  id: string;
}

/** What the authorizer needs of the metadata log. */
export interface AclLog {
  acls(): StoredAcl[];
  alterAcls(add: StoredAcl[], remove: string[]): void;
}

export interface AuthorizerSettings {
  /** super.users, as principal strings ("User:admin"). */
  superUsers: ReadonlySet<string>;
  allowEveryoneIfNoAclFound: boolean;
}

const IMPLIES_DESCRIBE: ReadonlySet<number> = new Set([AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER]);

/** Parses super.users: principals separated by semicolons. */
export function parseSuperUsers(text: string | null): Set<string> {
  return new Set((text ?? '').split(';').map((s) => s.trim()).filter((s) => s !== ''));
}

export class Authorizer {
  /** Where decisions are recorded (audit.log.enable); set by the platform. */
  audit: AuditLogger | null = null;

  constructor(
    private readonly log: AclLog,
    readonly settings: AuthorizerSettings,
  ) {}

  /** super.users, and the platform's own in-process services (INTERNAL_PRINCIPAL). */
  isSuperUser(principal: KafkaPrincipal): boolean {
    return isInternalPrincipal(principal) || this.settings.superUsers.has(principalToString(principal));
  }

  /**
   * Kafka's Authorizer.authorizeByResourceType (KIP-679): may `principal`
   * perform `operation` on at least one resource of the type? True when an
   * ALLOW binding for it exists that no DENY binding covers entirely (a DENY
   * on "*", on the same literal name, or on a prefix of the allowed name or
   * prefix); with allow.everyone.if.no.acl.found, also when no binding of the
   * type exists at all.
   */
  authorizeByResourceType(principal: KafkaPrincipal, host: string, operation: number, resourceType: number): boolean {
    if (this.isSuperUser(principal)) return true;
    const who = principalToString(principal);
    const applies = (acl: StoredAcl) => acl.resourceType === resourceType
      && (acl.principal === who || acl.principal === WILDCARD_PRINCIPAL) && (acl.host === host || acl.host === WILDCARD_HOST);
    const acls = this.log.acls();
    const denyLiterals = new Set<string>();
    const denyPrefixes: string[] = [];
    for (const acl of acls) {
      if (!applies(acl) || acl.permissionType !== AclPermissionType.DENY) continue;
      if (acl.operation !== operation && acl.operation !== AclOperation.ALL) continue;
      if (acl.patternType === PatternType.LITERAL) denyLiterals.add(acl.resourceName);
      else if (acl.patternType === PatternType.PREFIXED) denyPrefixes.push(acl.resourceName);
    }
    if (denyLiterals.has(WILDCARD_RESOURCE)) return false;
    const deniedByPrefix = (name: string) => denyPrefixes.some((p) => name.startsWith(p));
    for (const acl of acls) {
      if (!applies(acl) || acl.permissionType !== AclPermissionType.ALLOW || !operationAllowedBy(acl.operation, operation)) continue;
      if (acl.patternType === PatternType.LITERAL && !denyLiterals.has(acl.resourceName) && !deniedByPrefix(acl.resourceName)) return true;
      if (acl.patternType === PatternType.PREFIXED && !deniedByPrefix(acl.resourceName)) return true;
    }
    return this.settings.allowEveryoneIfNoAclFound && !acls.some((a) => a.resourceType === resourceType);
  }

  /** May `principal` connecting from `host` perform `operation` on the resource? */
  authorize(principal: KafkaPrincipal, host: string, operation: number, resourceType: number, resourceName: string): boolean {
    // The platform's own services (in-process connections) are super users without being listed.
    if (this.isSuperUser(principal)) return true;
    const who = principalToString(principal);
    let anyAclForResource = false;
    let allowed = false;
    for (const acl of this.log.acls()) {
      if (acl.resourceType !== resourceType || !patternApplies(acl, resourceName)) continue;
      anyAclForResource = true;
      if (acl.principal !== who && acl.principal !== WILDCARD_PRINCIPAL) continue;
      if (acl.host !== host && acl.host !== WILDCARD_HOST) continue;
      if (acl.permissionType === AclPermissionType.DENY) {
        if (acl.operation === operation || acl.operation === AclOperation.ALL) return false;
        continue;
      }
      if (operationAllowedBy(acl.operation, operation)) allowed = true;
    }
    return anyAclForResource ? allowed : this.settings.allowEveryoneIfNoAclFound;
  }

  describe(filter: AclBindingFilter): StoredAcl[] {
    return this.log.acls().filter((a) => filterMatches(filter, a));
  }

  /**
   * Adds bindings (an identical existing binding is kept, not duplicated).
   * Throws MetadataWriteError, adding none, when the metadata log cannot take them.
   */
  create(bindings: AclBinding[]): void {
    const existing = this.log.acls();
    const add: StoredAcl[] = [];
    for (const b of bindings) {
      if ([...existing, ...add].some((e) => sameBinding(e, b))) continue;
      add.push({ ...b, id: randomUUID() });
    }
    if (add.length > 0) this.log.alterAcls(add, []);
  }

  /**
   * Deletes what each filter matches; returns the deleted bindings per filter.
   * Throws MetadataWriteError, deleting none, when the metadata log cannot take the change.
   */
  delete(filters: AclBindingFilter[]): StoredAcl[][] {
    const acls = this.log.acls();
    const removed = new Set<string>();
    const perFilter = filters.map((f) => acls.filter((a) => filterMatches(f, a)));
    for (const list of perFilter) for (const a of list) removed.add(a.id);
    if (removed.size > 0) this.log.alterAcls([], [...removed]);
    return perFilter;
  }
}

function patternApplies(acl: AclBinding, resourceName: string): boolean {
  if (acl.patternType === PatternType.LITERAL) return acl.resourceName === resourceName || acl.resourceName === WILDCARD_RESOURCE;
  if (acl.patternType === PatternType.PREFIXED) return resourceName.startsWith(acl.resourceName);
  return false;
}

function operationAllowedBy(aclOperation: number, requested: number): boolean {
  if (aclOperation === AclOperation.ALL || aclOperation === requested) return true;
  if (requested === AclOperation.DESCRIBE) return IMPLIES_DESCRIBE.has(aclOperation);
  if (requested === AclOperation.DESCRIBE_CONFIGS) return aclOperation === AclOperation.ALTER_CONFIGS;
  return false;
}

function sameBinding(a: AclBinding, b: AclBinding): boolean {
  return a.resourceType === b.resourceType && a.resourceName === b.resourceName && a.patternType === b.patternType
    && a.principal === b.principal && a.host === b.host && a.operation === b.operation && a.permissionType === b.permissionType;
}
