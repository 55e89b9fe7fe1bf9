// AlterUserScramCredentials, v0 (KIP-554): what `kafka-configs --alter
// --add-config 'SCRAM-SHA-256=[password=...]' --entity-type users` sends. The
// client salts and hashes; the broker keeps StoredKey/ServerKey in the
// metadata log. One result per user: the first problem with any of that
// user's changes fails all of them, as in Kafka's ScramControlManager. When
// the metadata log cannot take the changes, every user whose changes were
// valid gets KAFKA_STORAGE_ERROR and nothing is changed.

import {
  ApiKey, ErrorCode,
  type AlterUserScramCredentialsRequest, type AlterUserScramCredentialsResponseInput,
} from '../../protocol/generated/index.js';
import {
  credentialFromSaltedPassword, SCRAM_MAX_ITERATIONS, scramAlgorithm,
  type ScramCredential, type ScramMechanismName,
} from '../../security/scram-credentials.js';
import { defineHandler } from '../api-handler.js';
import { AclOperation } from '../../security/acl.js';
import { clusterAuthorized } from '../../security/request-authorization.js';
import { metadataWriteFailure } from '../../storage/metadata-write-error.js';

interface UserChanges {
  error: { code: ErrorCode; message: string } | null;
  upsert: { user: string; mechanism: ScramMechanismName; credential: ScramCredential }[];
  remove: { user: string; mechanism: ScramMechanismName }[];
  seen: Set<number>;
}

export const alterUserScramCredentialsHandler = defineHandler<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponseInput>({
  apiKey: ApiKey.AlterUserScramCredentials,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    // Kafka: ALTER on the cluster (with an authorizer); one result per user named.
    if (!clusterAuthorized(ctx, AclOperation.ALTER)) {
      const users = [...new Set([...req.deletions.map((d) => d.name), ...req.upsertions.map((u) => u.name)])];
      return { throttleTimeMs: 0, results: users.map((user) => ({ user, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null })) };
    }
    const store = ctx.broker.scramCredentials;
    const existing = store.describe();
    const byUser = new Map<string, UserChanges>();
    const changesOf = (user: string): UserChanges => {
      let c = byUser.get(user);
      if (c === undefined) byUser.set(user, (c = { error: null, upsert: [], remove: [], seen: new Set() }));
      return c;
    };
    const check = (c: UserChanges, user: string, mechanismType: number): ScramMechanismName | null => {
      if (c.error !== null) return null;
      const alg = scramAlgorithm(mechanismType);
      if (user === '') c.error = { code: ErrorCode.UNACCEPTABLE_CREDENTIAL, message: 'Username must not be empty' };
      else if (alg === undefined) c.error = { code: ErrorCode.UNSUPPORTED_SASL_MECHANISM, message: 'Unknown SCRAM mechanism' };
      else if (c.seen.has(alg.type)) c.error = { code: ErrorCode.DUPLICATE_RESOURCE, message: 'A user credential cannot be altered twice in the same request' };
      if (c.error !== null || alg === undefined) return null;
      c.seen.add(alg.type);
      return alg.name;
    };
    for (const d of req.deletions) {
      const c = changesOf(d.name);
      const mechanism = check(c, d.name, d.mechanism);
      if (mechanism === null) continue;
      if (!(existing.get(d.name) ?? []).some((e) => e.mechanism === mechanism)) {
        c.error = { code: ErrorCode.RESOURCE_NOT_FOUND, message: 'Attempt to delete a user credential that does not exist' };
        continue;
      }
      c.remove.push({ user: d.name, mechanism });
    }
    for (const u of req.upsertions) {
      const c = changesOf(u.name);
      const mechanism = check(c, u.name, u.mechanism);
      if (mechanism === null) continue;
      const alg = scramAlgorithm(mechanism)!;
      if (u.iterations < alg.minIterations) c.error = { code: ErrorCode.UNACCEPTABLE_CREDENTIAL, message: `Too few iterations (${u.iterations}); the minimum for ${mechanism} is ${alg.minIterations}` };
      else if (u.iterations > SCRAM_MAX_ITERATIONS) c.error = { code: ErrorCode.UNACCEPTABLE_CREDENTIAL, message: `Too many iterations (${u.iterations}); the maximum is ${SCRAM_MAX_ITERATIONS}` };
      else if (u.salt.length === 0) c.error = { code: ErrorCode.UNACCEPTABLE_CREDENTIAL, message: 'Salt must not be empty' };
      else if (u.saltedPassword.length !== alg.length) c.error = { code: ErrorCode.UNACCEPTABLE_CREDENTIAL, message: `The salted password for ${mechanism} must be ${alg.length} bytes, got ${u.saltedPassword.length}` };
      if (c.error !== null) continue;
      c.upsert.push({ user: u.name, mechanism, credential: credentialFromSaltedPassword(alg, Buffer.from(u.saltedPassword), Buffer.from(u.salt), u.iterations) });
    }
    const accepted = [...byUser.values()].filter((c) => c.error === null);
    if (accepted.length > 0) {
      try {
        store.alter({ upsert: accepted.flatMap((c) => c.upsert), remove: accepted.flatMap((c) => c.remove) });
      } catch (err) {
        const failed = metadataWriteFailure(err);
        for (const c of accepted) c.error = { code: failed.errorCode, message: failed.errorMessage };
      }
    }
    return {
      throttleTimeMs: 0,
      results: [...byUser].map(([user, c]) => ({ user, errorCode: c.error?.code ?? ErrorCode.NONE, errorMessage: c.error?.message ?? null })),
    };
  },
});
