'use strict'

// Tokens that manage themselves: TokenProvider, OAuth Server-to-Server, encrypted keys,
// AEMHeadless with credentials, and the compatibility functions.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const util = require('node:util')
const AEMHeadless = require('..')
const { TokenProvider, loadCredentials, signServiceJwt, exchange, getToken } = AEMHeadless
const { setup, writeJson, rejectsWith, secretsOf, assertNoSecret, silentServer } = require('./helpers')

let env
before(async () => { env = await setup() })
after(() => env.close())

const ca = () => env.emu.caPem
const oauthCredentials = () => ({
  clientId: env.emu.credentials.integration.technicalAccount.clientId,
  clientSecret: env.emu.credentials.integration.technicalAccount.clientSecret,
  scopes: ['AdobeID', 'openid', 'read_organizations'],
  imsEndpoint: env.emu.imsEndpoint
})
const exchanges = () => env.emu.stats.exchanges + env.emu.stats.oauthTokens
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

test('a provider caches the token: many calls, one exchange', async () => {
  const provider = new TokenProvider(env.files.credentialsFile, { ca: ca() })
  const start = exchanges()
  const first = await provider.getAccessToken()
  assert.deepEqual(Object.keys(first).sort(), ['accessToken', 'expiresAt', 'tokenType'])
  assert.equal(first.tokenType, 'bearer')
  for (let i = 0; i < 100; i++) assert.equal((await provider.getAccessToken()).accessToken, first.accessToken)
  assert.equal(exchanges() - start, 1)
})

test('10,000 concurrent calls on a cold provider make exactly 1 IMS request', async () => {
  for (const credentials of [env.emu.credentials, oauthCredentials()]) {
    const provider = new TokenProvider(credentials, { ca: ca() })
    const start = exchanges()
    const tokens = await Promise.all(Array.from({ length: 10000 }, () => provider.getAccessToken()))
    assert.equal(exchanges() - start, 1)
    assert.equal(new Set(tokens.map((t) => t.accessToken)).size, 1)
  }
})

test('expires_in: milliseconds from the JWT exchange, seconds from /ims/token/v3, both to an absolute expiry', async () => {
  env.emu.setTokenLifetime(3600)
  try {
    for (const credentials of [env.emu.credentials, oauthCredentials()]) {
      const before = Date.now()
      const { expiresAt } = await new TokenProvider(credentials, { ca: ca() }).getAccessToken()
      // Date.now() is whole milliseconds; the expiry is exact, so it may be up to 1 ms past `after`.
      const after = Date.now() + 1
      assert.ok(expiresAt >= before + 3600 * 1000 - 1000 && expiresAt <= after + 3600 * 1000, `${expiresAt - before}`)
    }
  } finally {
    env.emu.setTokenLifetime(86399.999)
  }
})

test('a token is refreshed ahead of expiry, and the old one is used meanwhile', async () => {
  env.emu.setTokenLifetime(4)
  try {
    // 4 s lifetime: refresh at half-way (the 5-minute margin is capped at half the lifetime).
    const provider = new TokenProvider(env.emu.credentials, { ca: ca() })
    const first = await provider.getAccessToken()
    assert.equal((await provider.getAccessToken()).accessToken, first.accessToken)
    await sleep(2300)
    const start = exchanges()
    const during = await provider.getAccessToken()
    assert.equal(during.accessToken, first.accessToken, 'the old token is still valid and returned at once')
    let next = during
    for (let i = 0; i < 50 && next.accessToken === first.accessToken; i++) {
      await sleep(20)
      next = await provider.getAccessToken()
    }
    assert.notEqual(next.accessToken, first.accessToken, 'a new token arrived in the background')
    assert.equal(exchanges() - start, 1)
    assert.ok(next.expiresAt > first.expiresAt)
  } finally {
    env.emu.setTokenLifetime(86399.999)
  }
})

test('a failed refresh does not poison the cache, and the next call tries again', async () => {
  env.emu.setTokenLifetime(4)
  try {
    const provider = new TokenProvider(env.emu.credentials, { ca: ca() })
    const first = await provider.getAccessToken()
    await sleep(2300)
    env.emu.failNextTokenRequests(4)
    const start = exchanges()
    assert.equal((await provider.getAccessToken()).accessToken, first.accessToken)
    let next = first
    for (let i = 0; i < 150 && next.accessToken === first.accessToken; i++) {
      await sleep(20)
      next = await provider.getAccessToken()
    }
    assert.notEqual(next.accessToken, first.accessToken)
    assert.equal(exchanges() - start, 5, 'one refresh failed after 4 attempts, the next one worked')
  } finally {
    env.emu.setTokenLifetime(86399.999)
  }
})

test('a cold provider reports the IMS failure, and recovers on the next call', async () => {
  const provider = new TokenProvider(env.emu.credentials, { ca: ca() })
  env.emu.failNextTokenRequests(4)
  const error = await rejectsWith(provider.getAccessToken(), 'EXCHANGE_TOKEN_ERROR')
  assert.equal(error.sdkDetails.status, 503)
  assert.equal(error.sdkDetails.attempts, 4, 'IMS is retried 3 times')
  assert.equal(error.sdkDetails.imsError, 'internal_error')
  assert.match((await provider.getAccessToken()).accessToken, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)
})

test('invalidate() forgets the token; with a token, only if it is still the cached one', async () => {
  const provider = new TokenProvider(env.emu.credentials, { ca: ca() })
  const first = await provider.getAccessToken()
  provider.invalidate('some-older-token')
  assert.equal((await provider.getAccessToken()).accessToken, first.accessToken)
  provider.invalidate(first.accessToken)
  const second = await provider.getAccessToken()
  assert.notEqual(second.accessToken, first.accessToken)
  provider.invalidate()
  assert.notEqual((await provider.getAccessToken()).accessToken, second.accessToken)
})

test('a development token lasts until its created_at + expires_in, else its exp claim, else 24 h from load', async () => {
  const fromFile = await new TokenProvider(env.files.devTokenFile).getAccessToken()
  assert.equal(fromFile.accessToken, env.emu.devToken.accessToken)
  assert.equal(fromFile.tokenType, 'Bearer')
  const claims = JSON.parse(Buffer.from(env.emu.devToken.accessToken.split('.')[1], 'base64url'))
  assert.equal(fromFile.expiresAt, Number(claims.created_at) + Number(claims.expires_in))

  const before = Date.now()
  const plain = await new TokenProvider({ accessToken: 'an-opaque-development-token' }).getAccessToken()
  // An exact expiry may lie up to 1 ms past Date.now()'s whole millisecond.
  assert.ok(plain.expiresAt >= before + 86400000 - 1000 && plain.expiresAt <= Date.now() + 86400000 + 1)

  const exp = Math.floor(Date.now() / 1000) + 3600
  const jwtLike = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.sig`
  const withExp = await new TokenProvider({ accessToken: jwtLike }).getAccessToken()
  assert.equal(withExp.expiresAt, exp * 1000)

  const expired = `${Buffer.from('{}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp: 1000 })).toString('base64url')}.sig`
  await rejectsWith(new TokenProvider({ accessToken: expired }).getAccessToken(), 'EXCHANGE_TOKEN_ERROR')
})

test('OAuth Server-to-Server: client_credentials at /ims/token/v3, in both spellings', async () => {
  const { clientId, clientSecret, imsEndpoint } = oauthCredentials()
  for (const credentials of [
    oauthCredentials(),
    { client_id: clientId, client_secrets: [clientSecret], scopes: ['AdobeID', 'openid'], imsEndpoint },
    { clientId, clientSecret, scopes: 'AdobeID, openid', imsEndpoint }
  ]) {
    env.emu.clearRequests()
    const token = await new TokenProvider(credentials, { ca: ca() }).getAccessToken()
    assert.match(token.accessToken, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)
    const [request] = env.emu.requests
    assert.equal(request.url, '/ims/token/v3')
    const form = Object.fromEntries(new URLSearchParams(request.body))
    assert.equal(form.grant_type, 'client_credentials')
    assert.equal(form.client_id, clientId)
    assert.equal(form.client_secret, clientSecret)
    assert.equal(form.scope, 'AdobeID,openid' + (Array.isArray(credentials.scopes) && credentials.scopes.length === 3 ? ',read_organizations' : ''))
  }
  const wrong = await rejectsWith(new TokenProvider({ ...oauthCredentials(), clientSecret: 'p8e-wrong' }, { ca: ca() }).getAccessToken(), 'EXCHANGE_TOKEN_ERROR')
  assert.equal(wrong.sdkDetails.imsError, 'invalid_client')
  const missing = await rejectsWith(new TokenProvider({ clientId: 'x', scopes: [] }).getAccessToken(), 'INVALID_PARAM')
  assert.deepEqual(missing.sdkDetails.problems, ['clientSecret is missing', 'scopes is empty'])
})

test('AEMHeadless with credentials: the token is fetched lazily and shared by every call', async () => {
  const start = exchanges()
  const aem = new AEMHeadless({ serviceURL: env.emu.url, credentials: env.files.credentialsFile, ca: ca() })
  assert.equal(exchanges(), start, 'nothing happens at construction')
  await Promise.all([1, 2, 3].map(() => aem.runPersistedQuery('wknd-shared/adventures-all')))
  assert.equal(exchanges() - start, 1)
  assert.match(env.emu.requests.at(-1).headers.authorization, /^Bearer eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)
})

test('a 401 from AEM invalidates the token, fetches a new one and retries once', async () => {
  const provider = new TokenProvider(env.emu.credentials, { ca: ca() })
  const aem = new AEMHeadless({ serviceURL: env.emu.url, tokenProvider: provider, ca: ca() })
  await aem.runPersistedQuery('wknd-shared/adventures-all')
  const { accessToken } = await provider.getAccessToken()
  env.emu.revokeToken(accessToken)
  const start = exchanges()
  env.emu.clearRequests()
  const data = await aem.runPersistedQuery('wknd-shared/adventures-all')
  assert.equal(data.data.adventureList.items.length, 16)
  assert.equal(exchanges() - start, 1)
  const aemRequests = env.emu.requests.filter((r) => r.url.startsWith('/graphql'))
  assert.equal(aemRequests.length, 2)
  assert.equal(aemRequests[0].headers.authorization, `Bearer ${accessToken}`)
  assert.notEqual(aemRequests[1].headers.authorization, `Bearer ${accessToken}`)
})

test('a second 401 surfaces with status 401 after exactly one retry', async () => {
  let calls = 0
  const bogus = { getAccessToken: async () => ({ accessToken: `bogus-${++calls}` }), invalidate () {} }
  const aem = new AEMHeadless({ serviceURL: env.emu.url, tokenProvider: bogus, ca: ca() })
  env.emu.clearRequests()
  const error = await rejectsWith(aem.runPersistedQuery('wknd-shared/adventures-all'), 'RESPONSE_ERROR')
  assert.equal(error.sdkDetails.status, 401)
  assert.equal(env.emu.requests.length, 2)
  assert.equal(calls, 2)
})

test('one tokenProvider shared by several clients makes one exchange', async () => {
  const provider = new TokenProvider(env.emu.credentials, { ca: ca() })
  const clients = [1, 2, 3].map(() => new AEMHeadless({ serviceURL: env.emu.url, tokenProvider: provider, ca: ca() }))
  const start = exchanges()
  await Promise.all(clients.map((c) => c.runPersistedQuery('wknd-shared/adventures-all')))
  assert.equal(exchanges() - start, 1)
})

test('encrypted PKCS#8 keys: right, wrong and missing passphrase', async () => {
  const pem = env.emu.credentials.integration.privateKey
  const encrypted = crypto.createPrivateKey(pem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'open sesame' })
  const creds = structuredClone(env.emu.credentials)
  creds.integration.privateKey = encrypted
  const file = writeJson(env.dir, 'encrypted.json', creds)

  const token = await getToken(file, { ca: ca(), passphrase: 'open sesame' })
  assert.match(token.accessToken, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)
  assert.match((await new TokenProvider(file, { ca: ca(), passphrase: 'open sesame' }).getAccessToken()).accessToken, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)

  const wrong = await rejectsWith(loadCredentials(file, { passphrase: 'guess-123' }), 'INVALID_PARAM')
  assert.match(wrong.message, /privateKey cannot be decrypted with the passphrase/)
  assert.ok(!wrong.message.includes('guess-123'))
  const missing = await rejectsWith(new TokenProvider(file).getAccessToken(), 'INVALID_PARAM')
  assert.match(missing.message, /privateKey is an encrypted private key: pass its passphrase/)
  assertNoSecret(wrong, [encrypted.split('\n')[1], 'open sesame'])
})

test('loadCredentials is opaque, and signServiceJwt signs with the loaded key', async () => {
  const loaded = await loadCredentials(env.files.credentialsFile)
  assert.equal(loaded.kind, 'service')
  const shown = util.inspect(loaded, { depth: 5, showHidden: true }) + JSON.stringify(loaded)
  for (const secret of secretsOf(env.emu)) assert.ok(!shown.includes(secret))

  const { integration } = env.emu.credentials
  const publicKey = new crypto.X509Certificate(integration.publicKey).publicKey
  for (const [source, options, lifetime] of [[loaded, undefined, 300], [env.emu.credentials, { expiresIn: 60 }, 60]]) {
    const jwt = signServiceJwt(source, options)
    const [header, payload, signature] = jwt.split('.')
    assert.ok(crypto.verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url')))
    const claims = JSON.parse(Buffer.from(payload, 'base64url'))
    assert.equal(claims.exp - claims.iat, lifetime)
    assert.equal(claims.iss, integration.org)
  }
  assert.throws(() => signServiceJwt({ accessToken: 'dev' }), /needs service credentials/)
  assert.throws(() => signServiceJwt(loaded, { expiresIn: -5 }), /expiresIn/)
})

test('exchange() returns IMS\'s raw JSON, as @adobe/aemcs-api-client-lib does', async () => {
  const result = await exchange(env.emu.credentials, { ca: ca() })
  assert.deepEqual(Object.keys(result).sort(), ['access_token', 'expires_in', 'token_type'])
  assert.equal(result.token_type, 'bearer')
  assert.equal(result.expires_in, 86399999)
  const error = await rejectsWith(exchange({ integration: { org: 'x', technicalAccount: {} } }), 'INVALID_PARAM')
  assert.equal(error.message, '[AEMHeadless:INVALID_PARAM] There was a problem with required params: The following configuration elements are missing: integration.imsEndpoint,integration.id,integration.technicalAccount.clientId,integration.technicalAccount.clientSecret,integration.metascopes,integration.privateKey.')
  const refused = await rejectsWith(exchange(structuredClone({ ...env.emu.credentials, integration: { ...env.emu.credentials.integration, technicalAccount: { clientId: env.emu.credentials.integration.technicalAccount.clientId, clientSecret: 'p8e-nope' } } }), { ca: ca() }), 'EXCHANGE_TOKEN_ERROR')
  assert.equal(refused.sdkDetails.status, 401)
  assertNoSecret(refused, secretsOf(env.emu))
})

test('bad TokenProvider and AEMHeadless options are INVALID_PARAM', async () => {
  assert.throws(() => new TokenProvider(), /needs credentials/)
  assert.throws(() => new TokenProvider({}, { store: {} }), /store must have/)
  assert.throws(() => new TokenProvider({}, { refreshRatio: 2 }), /refreshRatio/)
  assert.throws(() => new AEMHeadless({ serviceURL: env.emu.url, credentials: {}, auth: 't' }), /either auth or credentials/)
  assert.throws(() => new AEMHeadless({ serviceURL: env.emu.url, tokenProvider: {} }), /getAccessToken/)
  const aem = new AEMHeadless({ serviceURL: env.emu.url, credentials: { ok: true, integration: {} }, ca: ca() })
  const error = await rejectsWith(aem.runPersistedQuery('wknd-shared/adventures-all'), 'INVALID_PARAM')
  assert.ok(error.sdkDetails.problems.includes('integration.org is missing'))
})

test('a development token with an absurd exp is read as one without: 24 h', async () => {
  for (const exp of [1e19, 1e300, -5]) {
    const token = `${Buffer.from('{}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.sig`
    const { expiresAt } = await new TokenProvider({ accessToken: token }).getAccessToken()
    assert.ok(Math.abs(expiresAt - (Date.now() + 86400000)) < 60000, `${exp}: ${expiresAt}`)
  }
})

test('an IMS that never answers does not hang AEM calls: their timeout and signal apply', async () => {
  const silent = await silentServer()
  try {
    const creds = structuredClone(env.emu.credentials)
    creds.integration.imsEndpoint = `127.0.0.1:${silent.port}`
    const aem = new AEMHeadless({ serviceURL: env.emu.url, credentials: creds, ca: ca(), timeout: 500 })
    const timedOut = await rejectsWith(aem.runPersistedQuery('wknd-shared/adventures-all'), 'REQUEST_ERROR')
    assert.equal(timedOut.sdkDetails.timeout, true)
    assert.match(timedOut.message, /waiting for an access token/)
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const stopped = await rejectsWith(aem.runPersistedQuery('wknd-shared/adventures-all', {}, { signal: controller.signal, timeout: 60000 }), 'REQUEST_ERROR')
    assert.equal(stopped.cause.name, 'AbortError')
  } finally {
    await silent.close()
  }
})

test('a store that never answers is bypassed', async () => {
  const hanging = { get: () => new Promise(() => {}), set: () => new Promise(() => {}) }
  const token = await new TokenProvider(env.emu.credentials, { ca: ca(), store: hanging, storeTimeoutMs: 200 }).getAccessToken()
  assert.match(token.accessToken, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)
})

test('a failing user-supplied tokenProvider gives EXCHANGE_TOKEN_ERROR with its error as cause', async () => {
  const failure = new Error('vault unreachable')
  const aem = new AEMHeadless({ serviceURL: env.emu.url, tokenProvider: { getAccessToken: async () => { throw failure } }, ca: ca() })
  const error = await rejectsWith(aem.runPersistedQuery('wknd-shared/adventures-all'), 'EXCHANGE_TOKEN_ERROR')
  assert.equal(error.cause, failure)
})

test('mistyped options never echo their values', async () => {
  const error = await rejectsWith(getToken(env.emu.credentials, { passphrase: 987654321 }), 'INVALID_PARAM')
  assert.ok(!error.message.includes('987654321'))
  for (const options of [{ refreshMarginMs: 1e300 }, { refreshRatio: -1 }, { storeTimeoutMs: 0 }]) {
    assert.throws(() => new TokenProvider(env.emu.credentials, options), (e) => e.code === 'INVALID_PARAM')
  }
})

test('docs/MIGRATING.md\'s @adobe/jwt-auth migration: its fields in the Developer Console shape', async () => {
  const i = env.emu.credentials.integration
  // What an @adobe/jwt-auth caller has at hand.
  const [clientId, clientSecret, technicalAccountId, orgId, privateKey, metaScopes] =
    [i.technicalAccount.clientId, i.technicalAccount.clientSecret, i.id, i.org, i.privateKey, i.metascopes.split(',')]
  const integration = { imsEndpoint: i.imsEndpoint, org: orgId, id: technicalAccountId, technicalAccount: { clientId, clientSecret }, metascopes: metaScopes.join(','), privateKey }
  const tokens = new TokenProvider({ integration }, { ca: ca() })
  const { accessToken } = await tokens.getAccessToken()
  assert.match(accessToken, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)
  const ims = await AEMHeadless.exchange({ integration }, { ca: ca() })
  assert.deepEqual(Object.keys(ims).sort(), ['access_token', 'expires_in', 'token_type'])
})
