// Kafka's ACL model: bindings of (resource pattern, principal, host,
// operation, permission), with Kafka's numeric codes for the wire, and the
// filters of DescribeAcls/DeleteAcls (AclBindingFilter).

export const ResourceType = { UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7 } as const;
export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
export const AclOperation = {
  UNKNOWN: 0, ANY: 1, ALL: 2, READ: 3, WRITE: 4, CREATE: 5, DELETE: 6, ALTER: 7, DESCRIBE: 8, CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10, ALTER_CONFIGS: 11, IDEMPOTENT_WRITE: 12, CREATE_TOKENS: 13, DESCRIBE_TOKENS: 14,
} as const;
export const AclPermissionType = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;

/** The CLUSTER resource has exactly this name in Kafka. */
export const CLUSTER_RESOURCE_NAME = 'kafka-cluster';
export const WILDCARD_RESOURCE = '*';
export const WILDCARD_PRINCIPAL = 'User:*';
export const WILDCARD_HOST = '*';

export interface AclBinding {
  resourceType: number;
  resourceName: string;
  /** LITERAL or PREFIXED. */
  patternType: number;
  /** "User:alice", "User:*". */
  principal: string;
  host: string;
  operation: number;
  /** ALLOW or DENY. */
  permissionType: number;
}

export interface AclBindingFilter {
  resourceType: number;
  resourceName: string | null;
  patternType: number;
  principal: string | null;
  host: string | null;
  operation: number;
  permissionType: number;
}

const valid = (table: Record<string, number>, v: number): boolean => Object.values(table).includes(v);

/** Why a new binding is not acceptable (Kafka's AclControlManager.validateNewAcl), or null. */
export function validateNewAcl(b: AclBinding): string | null {
  if (!valid(ResourceType, b.resourceType) || b.resourceType === ResourceType.UNKNOWN || b.resourceType === ResourceType.ANY) return `Invalid resourceType ${b.resourceType}`;
  if (b.patternType !== PatternType.LITERAL && b.patternType !== PatternType.PREFIXED) return `Invalid patternType ${b.patternType}`;
  if (!valid(AclOperation, b.operation) || b.operation === AclOperation.UNKNOWN || b.operation === AclOperation.ANY) return `Invalid operation ${b.operation}`;
  if (b.permissionType !== AclPermissionType.ALLOW && b.permissionType !== AclPermissionType.DENY) return `Invalid permissionType ${b.permissionType}`;
  if (b.resourceName === '') return 'Resource name should not be empty';
  if (b.resourceType === ResourceType.CLUSTER && b.resourceName !== CLUSTER_RESOURCE_NAME) return `The only valid name for the CLUSTER resource is ${CLUSTER_RESOURCE_NAME}`;
  const colon = b.principal.indexOf(':');
  if (colon <= 0) return `Could not parse principal from \`${b.principal}\` (no colon is present separating the principal type from the principal name)`;
  return null;
}

/** Why a filter is not acceptable (DescribeAcls/DeleteAcls), or null. */
export function validateFilter(f: AclBindingFilter): string | null {
  if (!valid(ResourceType, f.resourceType) || f.resourceType === ResourceType.UNKNOWN) return 'Filter contains UNKNOWN elements';
  if (!valid(PatternType, f.patternType) || f.patternType === PatternType.UNKNOWN) return 'Filter contains UNKNOWN elements';
  if (!valid(AclOperation, f.operation) || f.operation === AclOperation.UNKNOWN) return 'Filter contains UNKNOWN elements';
  if (!valid(AclPermissionType, f.permissionType) || f.permissionType === AclPermissionType.UNKNOWN) return 'Filter contains UNKNOWN elements';
  return null;
}

/** AclBindingFilter.matches: does this stored binding fall under the filter? */
export function filterMatches(f: AclBindingFilter, b: AclBinding): boolean {
  if (f.resourceType !== ResourceType.ANY && f.resourceType !== b.resourceType) return false;
  if (!patternFilterMatches(f, b)) return false;
  if (f.principal !== null && f.principal !== b.principal) return false;
  if (f.host !== null && f.host !== b.host) return false;
  if (f.operation !== AclOperation.ANY && f.operation !== b.operation) return false;
  if (f.permissionType !== AclPermissionType.ANY && f.permissionType !== b.permissionType) return false;
  return true;
}

function patternFilterMatches(f: AclBindingFilter, b: AclBinding): boolean {
  switch (f.patternType) {
    case PatternType.ANY:
      return f.resourceName === null || f.resourceName === b.resourceName;
    case PatternType.MATCH:
      // Every binding that would apply to the named resource.
      if (f.resourceName === null) return true;
      if (b.patternType === PatternType.LITERAL) return b.resourceName === f.resourceName || b.resourceName === WILDCARD_RESOURCE;
      return f.resourceName.startsWith(b.resourceName);
    default:
      return f.patternType === b.patternType && (f.resourceName === null || f.resourceName === b.resourceName);
  }
}
