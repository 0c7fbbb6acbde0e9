/**
 * The Bot Framework's signing keys as crypto KeyObjects, made once per key set. botbuilder
 * (botframework-connector's OpenIdMetadata) keeps the key set it fetched from the token service's
 * OpenID document and refreshes it as before, but turns the matching key into a PEM string on every
 * request, which jsonwebtoken then parses again: that is most of the cost of authenticating a
 * request. Here the key found for a key id is kept with the key set it came from (a refreshed set
 * starts afresh) and handed over as a KeyObject, which jsonwebtoken accepts as it is.
 *
 * Nothing else changes: jsonwebtoken still checks the signature, algorithm, issuer, audience and
 * expiry, and botbuilder the endorsements and the service URL, on every request.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';

interface OpenIdKey {
  key: string | KeyObject;
  endorsements?: string[];
}
interface OpenIdMetadataInternals {
  keys?: object[];
  findKey(keyId: string): OpenIdKey | null;
}

const require = createRequire(import.meta.url);
const { OpenIdMetadata } = require('botframework-connector/lib/auth/openIdMetadata') as {
  OpenIdMetadata: { prototype: OpenIdMetadataInternals };
};

/** Per key set (the array botbuilder replaces on each refresh): key id → what it found. */
const found = new WeakMap<object, Map<string, OpenIdKey | null>>();
const proto = OpenIdMetadata.prototype;
const findKey = proto.findKey;

if (typeof findKey === 'function' && !(findKey as { keptKeys?: boolean }).keptKeys) {
  const kept = function (this: OpenIdMetadataInternals, keyId: string): OpenIdKey | null {
    const keys = this.keys;
    if (!keys) return findKey.call(this, keyId);
    let byId = found.get(keys);
    if (!byId) found.set(keys, (byId = new Map()));
    if (byId.has(keyId)) return byId.get(keyId)!;
    const key = findKey.call(this, keyId);
    const result = key ? { ...key, key: typeof key.key === 'string' ? createPublicKey(key.key) : key.key } : null;
    // Key ids come from tokens: keep only those the key set has.
    if (result) byId.set(keyId, result);
    return result;
  };
  (kept as { keptKeys?: boolean }).keptKeys = true;
  proto.findKey = kept;
}
