// SaslHandshake, v0-1. v1 (KIP-152) is followed by SaslAuthenticate requests;
// v0 by bare size-prefixed SASL tokens. The connection's SaslAuthenticator
// holds the state; on a connection that is not on a SASL listener Kafka
// answers ILLEGAL_SASL_STATE. An unsupported mechanism gets the enabled list
// and the connection closes, as in Kafka.

import { ApiKey, ErrorCode, type SaslHandshakeRequest, type SaslHandshakeResponseInput } from '../../protocol/generated/index.js';
import { defineHandler, RespondThenClose } from '../api-handler.js';

export const saslHandshakeHandler = defineHandler<SaslHandshakeRequest, SaslHandshakeResponseInput>({
  apiKey: ApiKey.SaslHandshake,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    const sasl = ctx.connection.sasl;
    if (sasl === null) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
    const result = sasl.handshake(req.mechanism, ctx.header.apiVersion);
    const response = { errorCode: result.errorCode, mechanisms: result.mechanisms };
    return result.close ? new RespondThenClose(response, `SaslHandshake failed (${ErrorCode[result.errorCode]}, mechanism ${req.mechanism})`) : response;
  },
});
