// Maps API keys to their handlers; the same table answers ApiVersions, so the
// broker advertises exactly what it implements.

import type { ApiHandler } from './api-handler.js';

export interface AdvertisedVersion {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export class RequestRouter {
  private readonly byKey = new Map<number, ApiHandler>();

  constructor(handlers: readonly ApiHandler[]) {
    for (const h of handlers) {
      if (this.byKey.has(h.apiKey)) throw new Error(`two handlers for api key ${h.apiKey}`);
      this.byKey.set(h.apiKey, h);
    }
  }

  handler(apiKey: number): ApiHandler | undefined {
    return this.byKey.get(apiKey);
  }

  advertisedVersions(): AdvertisedVersion[] {
    return [...this.byKey.values()]
      .sort((a, b) => a.apiKey - b.apiKey)
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.advertisedMinVersion ?? h.minVersion, maxVersion: h.maxVersion }));
  }
}
