// Request and response headers: which header version goes with which API
// version, and their codecs (generated from RequestHeader/ResponseHeader.json).

import { API_BY_KEY, ApiKey, RequestHeaderMessage, ResponseHeaderMessage } from './generated/index.js';
import { isFlexible } from './message.js';
import { ProtocolDecodeError, type Reader } from './reader.js';
import type { Writer } from './writer.js';

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/** Flexible requests use header v2 (tagged fields); ControlledShutdown v0 alone uses v0. */
export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  const api = API_BY_KEY.get(apiKey);
  if (api === undefined) return 1;
  if (apiKey === ApiKey.ControlledShutdown && apiVersion === 0) return 0;
  // A version newer than the spec knows keeps the encoding of the newest one it knows.
  const v = Math.min(apiVersion, api.request.maxVersion);
  return isFlexible(api.request, v) ? 2 : 1;
}

/** Flexible responses use header v1, except ApiVersions, whose response header is always v0 (KIP-511). */
export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ApiVersions) return 0;
  const api = API_BY_KEY.get(apiKey);
  if (api === undefined) return 0;
  return isFlexible(api.response, Math.min(apiVersion, api.response.maxVersion)) ? 1 : 0;
}

export function decodeRequestHeader(r: Reader): RequestHeader {
  // The api key and version come first in every header version and decide the rest.
  if (r.remaining < 4) throw new ProtocolDecodeError(`request header needs at least 4 bytes, got ${r.remaining}`);
  const apiKey = r.buf.readInt16BE(r.pos);
  const apiVersion = r.buf.readInt16BE(r.pos + 2);
  const h = RequestHeaderMessage.decode(r, requestHeaderVersion(apiKey, apiVersion));
  return { apiKey, apiVersion, correlationId: h.correlationId, clientId: h.clientId };
}

export function encodeRequestHeader(w: Writer, h: RequestHeader): void {
  RequestHeaderMessage.encode(w, requestHeaderVersion(h.apiKey, h.apiVersion), {
    requestApiKey: h.apiKey,
    requestApiVersion: h.apiVersion,
    correlationId: h.correlationId,
    clientId: h.clientId,
  });
}

export function encodeResponseHeader(w: Writer, apiKey: number, apiVersion: number, correlationId: number): void {
  ResponseHeaderMessage.encode(w, responseHeaderVersion(apiKey, apiVersion), { correlationId });
}

export function decodeResponseHeader(r: Reader, apiKey: number, apiVersion: number): { correlationId: number } {
  return ResponseHeaderMessage.decode(r, responseHeaderVersion(apiKey, apiVersion));
}
