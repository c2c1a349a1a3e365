// A real OpenID Connect provider for the tests: panva's certified `oidc-provider`, with one
// client (Banter) and a sign-in page that takes any username — the person it names is the
// account the provider vouches for (`sub`, `preferred_username`, `name`).
//
//   node end2end/oidc/provider.mjs
//
// Environment:
//   OIDC_PORT          the port to listen on (0, the default, picks a free one)
//   OIDC_CLIENT_ID     the client's id (default `banter`)
//   OIDC_CLIENT_SECRET the client's secret (default `banter-secret`)
//   OIDC_TOKEN_MODE    `tampered`: every ID token's payload is altered after signing;
//                      `expired`: every ID token is re-signed, by the provider's own key, with
//                      an expiry ten minutes ago. Anything else: tokens as issued.
//
// It prints `listening http://127.0.0.1:PORT` once it accepts connections. The client is a
// native one with a loopback redirect (`http://127.0.0.1/auth/oidc/callback`): RFC 8252 lets
// it come back on any port, so a test server on 127.0.0.1:0 needs no registration of its own.

import http from 'node:http';
import { URLSearchParams } from 'node:url';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT ?? 0);
const clientId = process.env.OIDC_CLIENT_ID ?? 'banter';
const clientSecret = process.env.OIDC_CLIENT_SECRET ?? 'banter-secret';
const mode = process.env.OIDC_TOKEN_MODE ?? '';

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

/** Escape text for HTML. */
const esc = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/** Read a form body. */
async function formBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function startServer(issuer) {
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        application_type: 'native',
        redirect_uris: ['http://127.0.0.1/auth/oidc/callback'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [signingJwk] },
    cookies: { keys: ['banter-test-provider-cookie-key'] },
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
    // The profile claims in the ID token itself, as most providers send them.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    async findAccount(_ctx, sub) {
      return {
        accountId: sub,
        async claims() {
          return { sub, preferred_username: sub, name: `${sub[0].toUpperCase()}${sub.slice(1)} Example` };
        },
      };
    },
  });
  provider.proxy = false;

  // The ID token as the test asks for it.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path !== '/token' || !ctx.body || typeof ctx.body.id_token !== 'string') return;
    const [header, payload, signature] = ctx.body.id_token.split('.');
    if (mode === 'tampered') {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      claims.sub = `${claims.sub}-forged`;
      const forged = Buffer.from(JSON.stringify(claims)).toString('base64url');
      ctx.body = { ...ctx.body, id_token: `${header}.${forged}.${signature}` };
    } else if (mode === 'expired') {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      const now = Math.floor(Date.now() / 1000);
      const resigned = await new jose.SignJWT({ ...claims, iat: now - 1200, exp: now - 600 })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'JWT' })
        .sign(privateKey);
      ctx.body = { ...ctx.body, id_token: resigned };
    }
  });

  const callback = provider.callback();
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, issuer);
    const match = url.pathname.match(/^\/interaction\/([^/]+)(\/login)?$/);
    if (!match) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (req.method === 'GET' && !match[2]) {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(`<!doctype html><html lang="en"><head><title>Test ID: sign in</title></head><body>
<main><h1>Test ID</h1>
<form method="post" action="/interaction/${esc(details.uid)}/login">
<label>Username <input name="login" autocomplete="username" required></label>
<button type="submit">Continue</button>
</form></main></body></html>`);
        return;
      }
      if (req.method === 'POST' && match[2]) {
        const login = (await formBody(req)).get('login')?.trim();
        if (!login) {
          res.statusCode = 400;
          res.end('a username is needed');
          return;
        }
        const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
        grant.addOIDCScope(String(details.params.scope ?? 'openid'));
        const grantId = await grant.save();
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: login }, consent: { grantId } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      res.statusCode = 405;
      res.end();
    } catch (error) {
      res.statusCode = 400;
      res.end(String(error));
    }
  });
  return server;
}

// The issuer names the port, so find a free one first when none is given.
const probe = http.createServer();
await new Promise((resolve) => probe.listen(port, '127.0.0.1', resolve));
const chosen = probe.address().port;
await new Promise((resolve) => probe.close(resolve));

const issuer = `http://127.0.0.1:${chosen}`;
const server = startServer(issuer);
server.listen(chosen, '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
