// Subject names and contexts. A qualified subject `:.ctx:name` lives in context
// `.ctx`; an unqualified one in the default context `.`. The context-level
// settings use the subject `:.ctx:` (empty name), as Confluent's do.

export const DEFAULT_CONTEXT = '.';

const QUALIFIED = /^:(\.[^:]*):(.*)$/s;

export function contextOf(subject: string): string {
  const m = QUALIFIED.exec(subject);
  return m === null ? DEFAULT_CONTEXT : m[1]!;
}

export function unqualified(subject: string): string {
  const m = QUALIFIED.exec(subject);
  return m === null ? subject : m[2]!;
}

/** The subject naming a context's own settings; null for the default context (whose settings are global). */
export function contextSubject(context: string): string | null {
  return context === DEFAULT_CONTEXT ? null : `:${context}:`;
}

/** A reference's subject is resolved within the referring subject's context unless it names its own. */
export function qualifyIn(context: string, subject: string): string {
  if (context === DEFAULT_CONTEXT || QUALIFIED.test(subject)) return subject;
  return `:${context}:${subject}`;
}

/** Confluent rejects empty subjects and ones with control characters (42208). */
export function isValidSubject(subject: string): boolean {
  if (subject.length === 0 || subject.length > 4096) return false;
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u001f\u007f]/.test(subject);
}
