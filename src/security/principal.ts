// Kafka principals: "type:name", as KafkaPrincipal prints them. Every
// connection has one; PLAINTEXT and SSL without a client certificate get
// User:ANONYMOUS, as in Kafka.

export interface KafkaPrincipal {
  readonly principalType: string;
  readonly name: string;
}

export const USER_TYPE = 'User';

export const ANONYMOUS: KafkaPrincipal = Object.freeze({ principalType: USER_TYPE, name: 'ANONYMOUS' });

/**
 * The principal of in-process connections, i.e. of the platform's own services
 * (the Schema Registry's client). The authorizer lets it do everything, so
 * that turning ACLs on never locks the platform out of its own topics. It is
 * recognised by identity, not by name: only the in-process transport hands
 * out this object, and a client that authenticates as "__tributary" over a
 * listener is an ordinary principal of that name.
 */
export const INTERNAL_PRINCIPAL: KafkaPrincipal = Object.freeze({ principalType: USER_TYPE, name: '__tributary' });

export function isInternalPrincipal(p: KafkaPrincipal): boolean {
  return p === INTERNAL_PRINCIPAL;
}

export function userPrincipal(name: string): KafkaPrincipal {
  return { principalType: USER_TYPE, name };
}

export function principalToString(p: KafkaPrincipal): string {
  return `${p.principalType}:${p.name}`;
}

export function samePrincipal(a: KafkaPrincipal, b: KafkaPrincipal): boolean {
  return a.principalType === b.principalType && a.name === b.name;
}
