import { createVerify, randomBytes, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from './http-util.ts';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_AUDIENCE = 'https://oauth2.googleapis.com/token';
/** gtoken's endpoint (googleapis/node-gtoken src/index.ts GOOGLE_TOKEN_URL), also the JWT audience it signs. */
const LEGACY_TOKEN_AUDIENCE = 'https://www.googleapis.com/oauth2/v4/token';

interface IssuedToken {
  clientEmail: string;
  expiresAtMs: number;
  scopes: string[];
}

/** Outcome of checking a bearer token, with the message Google's services give for each case. */
export type TokenCheck = { ok: true; clientEmail: string } | { ok: false; reason: string };

/**
 * The OAuth2 token endpoint for service accounts: verifies the RS256 JWT-bearer assertion with the
 * account's public key, issues opaque access tokens that expire, and lets the other fakes check
 * `Authorization: Bearer` headers against what it issued.
 */
export class OAuthFake {
  readonly tokens = new Map<string, IssuedToken>();
  private readonly keys = new Map<string, KeyObject>();
  /** Lifetime written into `expires_in`; Google issues one-hour tokens. */
  tokenLifetimeSeconds = 3600;
  grants = 0;
  /** The next N tokens are refused by the other fakes although `expires_in` says an hour (revoked / clock skew). */
  deadOnArrival = 0;

  registerServiceAccount(clientEmail: string, publicKey: KeyObject): void {
    this.keys.set(clientEmail, publicKey);
  }

  /** Server-side expiry of every token issued so far (revocation, or a client clock far behind). */
  expireAllTokens(): void {
    for (const token of this.tokens.values()) token.expiresAtMs = 0;
  }

  check(authorization: string | undefined): TokenCheck {
    const match = /^Bearer (\S+)$/.exec(authorization ?? '');
    if (!match) return { ok: false, reason: 'Request is missing required authentication credential. Expected OAuth 2 access token.' };
    const token = this.tokens.get(match[1]!);
    if (!token) return { ok: false, reason: 'Request had invalid authentication credentials. Expected OAuth 2 access token.' };
    if (token.expiresAtMs <= Date.now()) return { ok: false, reason: 'Request had invalid authentication credentials: the access token expired.' };
    return { ok: true, clientEmail: token.clientEmail };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://oauth2.googleapis.com');
    if (req.method !== 'POST' || (url.pathname !== '/token' && url.pathname !== '/oauth2/v4/token')) {
      sendJson(res, 404, { error: 'not_found', error_description: `${req.method} ${url.pathname}` });
      return;
    }
    const form = new URLSearchParams((await readBody(req)).toString('utf8'));
    if (form.get('grant_type') !== JWT_BEARER) {
      sendJson(res, 400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type.' });
      return;
    }
    const verdict = this.verifyAssertion(form.get('assertion') ?? '');
    if (!verdict.ok) {
      sendJson(res, 400, { error: 'invalid_grant', error_description: verdict.reason });
      return;
    }
    const dead = this.deadOnArrival > 0;
    if (dead) this.deadOnArrival -= 1;
    const accessToken = `ya29.fake-${randomBytes(24).toString('base64url')}`;
    this.tokens.set(accessToken, {
      clientEmail: verdict.clientEmail,
      expiresAtMs: dead ? 0 : Date.now() + this.tokenLifetimeSeconds * 1000,
      scopes: verdict.scopes,
    });
    this.grants += 1;
    sendJson(res, 200, { access_token: accessToken, expires_in: this.tokenLifetimeSeconds, token_type: 'Bearer' });
  }

  private verifyAssertion(
    assertion: string,
  ): { ok: true; clientEmail: string; scopes: string[] } | { ok: false; reason: string } {
    const parts = assertion.split('.');
    if (parts.length !== 3) return { ok: false, reason: 'Invalid JWT: expected three segments.' };
    const [headerB64, payloadB64, signatureB64] = parts as [string, string, string];
    let header: { alg?: string };
    let payload: { iss?: string; aud?: string; exp?: number; iat?: number; scope?: string };
    try {
      header = JSON.parse(Buffer.from(headerB64, 'base64url').toString('utf8'));
      payload = JSON.parse(Buffer.from(payloadB64, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'Invalid JWT: segments are not JSON.' };
    }
    if (header.alg !== 'RS256') return { ok: false, reason: 'Invalid JWT: alg must be RS256.' };
    const key = payload.iss ? this.keys.get(payload.iss) : undefined;
    if (!key) return { ok: false, reason: 'Invalid JWT Signature.' };
    const verifier = createVerify('RSA-SHA256');
    verifier.update(`${headerB64}.${payloadB64}`);
    if (!verifier.verify(key, Buffer.from(signatureB64, 'base64url'))) return { ok: false, reason: 'Invalid JWT Signature.' };
    if (payload.aud !== TOKEN_AUDIENCE && payload.aud !== LEGACY_TOKEN_AUDIENCE) return { ok: false, reason: `Invalid JWT: aud must be ${TOKEN_AUDIENCE}.` };
    const nowSeconds = Date.now() / 1000;
    if (typeof payload.exp !== 'number' || payload.exp < nowSeconds) {
      return { ok: false, reason: 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.' };
    }
    return { ok: true, clientEmail: payload.iss!, scopes: (payload.scope ?? '').split(' ').filter(Boolean) };
  }
}
