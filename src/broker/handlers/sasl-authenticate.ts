// SaslAuthenticate, v0-2 (KIP-152). v1 adds session_lifetime_ms (KIP-368):
// the client re-authenticates before it runs out. A failure answers
// SASL_AUTHENTICATION_FAILED (after connection.failed.authentication.delay.ms)
// and closes the connection. Outside a SASL listener: ILLEGAL_SASL_STATE.

import { ApiKey, ErrorCode, type SaslAuthenticateRequest, type SaslAuthenticateResponseInput } from '../../protocol/generated/index.js';
import { defineHandler, RespondThenClose } from '../api-handler.js';

export const saslAuthenticateHandler = defineHandler<SaslAuthenticateRequest, SaslAuthenticateResponseInput>({
  apiKey: ApiKey.SaslAuthenticate,
  minVersion: 0,
  maxVersion: 2,
  async handle(req, ctx) {
    const sasl = ctx.connection.sasl;
    if (sasl === null) {
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SaslAuthenticate request received on a listener without SASL', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 };
    }
    const result = await sasl.authenticate(req.authBytes);
    const response = { errorCode: result.errorCode, errorMessage: result.errorMessage, authBytes: result.authBytes, sessionLifetimeMs: result.sessionLifetimeMs };
    return result.close ? new RespondThenClose(response, `SASL authentication failed: ${result.errorMessage ?? ''}`) : response;
  },
});
