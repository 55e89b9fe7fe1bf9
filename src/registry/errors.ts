// Confluent Schema Registry's error answers: an HTTP status plus an `error_code`
// that clients switch on (e.g. 40401 subject not found). Messages follow
// Confluent's wording so that tools matching on them keep working.

export class RegistryError extends Error {
  constructor(readonly status: number, readonly errorCode: number, message: string) {
    super(message);
    this.name = 'RegistryError';
  }

  toBody(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

export const Errors = {
  subjectNotFound: (subject: string) => new RegistryError(404, 40401, `Subject '${subject}' not found.`),
  versionNotFound: (version: number | string) => new RegistryError(404, 40402, `Version ${version} not found.`),
  schemaNotFound: (id?: number) => new RegistryError(404, 40403, id === undefined ? 'Schema not found' : `Schema ${id} not found`),
  subjectSoftDeleted: (subject: string) =>
    new RegistryError(404, 40404, `Subject '${subject}' was soft deleted.Set permanent=true to delete permanently`),
  subjectNotSoftDeleted: (subject: string) =>
    new RegistryError(404, 40405, `Subject '${subject}' was not deleted first before being permanently deleted`),
  versionSoftDeleted: (subject: string, version: number) =>
    new RegistryError(404, 40406, `Subject '${subject}' Version ${version} was soft deleted.Set permanent=true to delete permanently`),
  versionNotSoftDeleted: (subject: string, version: number) =>
    new RegistryError(404, 40407, `Subject '${subject}' Version ${version} was not deleted first before being permanently deleted`),
  subjectCompatibilityNotConfigured: (subject: string) =>
    new RegistryError(404, 40408, `Subject '${subject}' does not have subject-level compatibility configured`),
  subjectModeNotConfigured: (subject: string) =>
    new RegistryError(404, 40409, `Subject '${subject}' does not have subject-level mode configured`),
  incompatible: (message: string) => new RegistryError(409, 409, message),
  invalidSchema: (message: string) => new RegistryError(422, 42201, message),
  invalidVersion: (version: string) => new RegistryError(422, 42202,
    `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`),
  invalidCompatibility: () => new RegistryError(422, 42203,
    'Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive'),
  invalidMode: (message = 'Invalid mode. Valid values are READWRITE, READONLY, and IMPORT.') => new RegistryError(422, 42204, message),
  operationNotPermitted: (message: string) => new RegistryError(422, 42205, message),
  referenceExists: (message: string) => new RegistryError(422, 42206, message),
  idDoesNotMatch: (message: string) => new RegistryError(422, 42207, message),
  invalidSubject: (subject: string) => new RegistryError(422, 42208, `The specified subject '${subject}' is not valid.`),
  schemaTooLarge: (message: string) => new RegistryError(422, 42209, message),
  invalidRuleSet: (message: string) => new RegistryError(422, 42210, message),
  unprocessable: (message: string) => new RegistryError(422, 422, message),
  badRequest: (message: string) => new RegistryError(400, 400, message),
  storeError: (message: string) => new RegistryError(500, 50001, message),
  operationTimeout: (message: string) => new RegistryError(500, 50002, message),
  forwardingFailed: (message: string) => new RegistryError(500, 50003, message),
  unknownLeader: (message: string) => new RegistryError(500, 50004, message),
};
