// Kafka principals: "type:name", as KafkaPrincipal prints them. Every
// connection has one; PLAINTEXT and SSL without a client certificate get
// User:ANONYMOUS, as in Kafka.

export interface KafkaPrincipal {
  readonly principalType: string;
  readonly name: string;
}

export const USER_TYPE = 'User';

export const ANONYMOUS: KafkaPrincipal = Object.freeze({ principalType: USER_TYPE, name: 'ANONYMOUS' });

export function userPrincipal(name: string): KafkaPrincipal {
  return { principalType: USER_TYPE, name };
}

export function principalToString(p: KafkaPrincipal): string {
  return `${p.principalType}:${p.name}`;
}

export function samePrincipal(a: KafkaPrincipal, b: KafkaPrincipal): boolean {
  return a.principalType === b.principalType && a.name === b.name;
}
