// A real OpenID Connect provider (panva's oidc-provider) on loopback, for the single sign-on
// tests. Everything it needs comes from the environment the test sets:
//
//   OIDC_TEST_CLIENT_ID, OIDC_TEST_CLIENT_SECRET, OIDC_TEST_REDIRECT_URI  the one static client
//   OIDC_TEST_ACCOUNTS  JSON list of {sub, email, email_verified?, amr?}
//   OIDC_TEST_KID       the key id of the signing key (default "test-key")
//
// It listens on a free port of 127.0.0.1 and prints one line, "READY <issuer>", when it
// answers. The sign-in page asks only for an email address (no password): the tests are about
// what the relying party does with what the provider asserts. The signing key is a new RSA key
// on every start, so two instances never share one.

import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) {
    console.error(`provider.mjs: ${name} is not set`);
    process.exit(2);
  }
  return value;
};

const accounts = JSON.parse(env('OIDC_TEST_ACCOUNTS'));
const byEmail = new Map(accounts.map((a) => [a.email.toLowerCase(), a]));
const bySub = new Map(accounts.map((a) => [a.sub, a]));

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  kid: env('OIDC_TEST_KID', 'test-key'),
  alg: 'RS256',
  use: 'sig',
};

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const loginPage = (uid, error) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head>
<body><main><h1>Test identity provider</h1>
${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="email">Email</label> <input id="email" name="email" type="email" required>
<button type="submit">Continue</button>
</form></main></body></html>`;

const readForm = (req) =>
  new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });

let provider;

async function interaction(req, res, url) {
  const match = url.pathname.match(/^\/interaction\/([^/]+)(\/login)?$/);
  const details = await provider.interactionDetails(req, res);
  if (!match || details.uid !== match[1]) {
    res.writeHead(400).end('unknown interaction');
    return;
  }
  if (req.method === 'GET') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(loginPage(details.uid));
    return;
  }
  const form = await readForm(req);
  const account = byEmail.get((form.get('email') || '').toLowerCase());
  if (!account) {
    res
      .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      .end(loginPage(details.uid, 'No such account at this provider.'));
    return;
  }
  const login = { accountId: account.sub };
  if (account.amr) login.amr = account.amr;
  await provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://placeholder');
  if (url.pathname.startsWith('/interaction/')) {
    interaction(req, res, url).catch((err) => {
      console.error(err);
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
    return;
  }
  provider.callback()(req, res);
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  provider = new Provider(issuer, {
    clients: [
      {
        client_id: env('OIDC_TEST_CLIENT_ID'),
        client_secret: env('OIDC_TEST_CLIENT_SECRET'),
        redirect_uris: [env('OIDC_TEST_REDIRECT_URI')],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: ['openaup-test-provider'] },
    claims: {
      acr: null,
      iss: null,
      sid: null,
      // How the person signed in, in every ID token (as Entra's v1.0 tokens carry it).
      openid: ['sub', 'amr', 'auth_time'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      const account = bySub.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          const claims = { sub, email: account.email, name: account.name || account.email };
          if (account.email_verified !== undefined && account.email_verified !== null) {
            claims.email_verified = account.email_verified;
          }
          return claims;
        },
      };
    },
    // The district's own application: consent is implied, as at a district's identity provider.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  console.log(`READY ${issuer}`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
