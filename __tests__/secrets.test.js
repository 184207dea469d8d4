'use strict'

// Secrets stay secret: distinct secrets are planted in every input (client secret, private key,
// signed JWT, access token, Basic password, proxy password, URL password), and every public
// object (clients, providers, loaded credentials, errors, log events, token-channel contexts) is put through
// util.inspect, JSON.stringify and toJSON(). None may hold any of them. (The catalogue test
// checks every error of the catalogue the same way.)

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')
const diagnostics = require('node:diagnostics_channel')
const AEMHeadless = require('..')
const { getToken, TokenProvider, loadCredentials, signServiceJwt, exchange } = AEMHeadless
const { setup, secretsOf } = require('./helpers')

const PLANTED = {
  clientSecret: 'p8e-PLANTED-client-secret-7f3a',
  basicPassword: 'PLANTED-basic-pw-91c2',
  proxyPassword: 'PLANTED-proxy-pw-4d8e',
  urlPassword: 'PLANTED/url#pw?5b1a',
  purgeKey: 'PLANTED-purge-key-6e0f'
}

let env
before(async () => { env = await setup() })
after(() => env.close())

/** Every way a value can be shown. */
function renderings (value) {
  const out = [util.inspect(value, { depth: Infinity, showHidden: true }), util.inspect(value, { depth: Infinity, getters: true })]
  try {
    out.push(String(JSON.stringify(value)))
  } catch (error) {
    out.push(error.message)
  }
  if (value && typeof value.toJSON === 'function') out.push(JSON.stringify(value.toJSON()))
  if (value instanceof Error) out.push(value.message, String(value.stack), util.inspect(value.cause, { depth: Infinity }))
  return out
}

function assertHoldsNone (what, value, secrets) {
  for (const text of renderings(value)) {
    for (const secret of secrets) {
      assert.ok(!text.includes(secret), `${what} shows a secret (${secret.slice(0, 12)}…): ${text.slice(0, 300)}`)
    }
  }
}

/** Awaits `promise` and returns its rejection (an error is what the test walks). */
async function failure (promise) {
  try {
    await promise
  } catch (error) {
    return error
  }
  assert.fail('expected a rejection')
}

test('no public object, error or log event shows a secret planted in any input', async () => {
  const { emu } = env
  const ca = emu.caPem
  const planted = structuredClone(emu.credentials)
  planted.integration.technicalAccount.clientSecret = PLANTED.clientSecret
  const jwt = signServiceJwt(emu.credentials)
  const issued = await getToken(emu.credentials, { ca })
  const secrets = [
    ...Object.values(PLANTED),
    PLANTED.urlPassword.split('/')[0],
    jwt,
    jwt.split('.')[2],
    issued.accessToken,
    issued.accessToken.split('.')[2],
    ...secretsOf(emu)
  ]

  const events = []
  const logger = (event) => events.push(event)
  const objects = {}
  const errors = {}

  objects.bearerClient = new AEMHeadless({ serviceURL: emu.url, auth: issued.accessToken, ca, logger, headers: { 'X-Api-Key': PLANTED.basicPassword } })
  await objects.bearerClient.runPersistedQuery('wknd-shared/adventures-all')
  errors.apiError = await failure(objects.bearerClient.runPersistedQuery('wknd-shared/nope'))

  objects.basicClient = new AEMHeadless({ serviceURL: emu.url, auth: ['admin', PLANTED.basicPassword], ca, logger })
  errors.basicRefused = await failure(objects.basicClient.runPersistedQuery('wknd-shared/adventures-all'))

  objects.proxiedClient = new AEMHeadless({ serviceURL: emu.url, auth: issued.accessToken, ca, logger, proxy: `http://user:${PLANTED.proxyPassword}@127.0.0.1:1`, retries: { maxRetries: 0 } })
  errors.proxyUnreachable = await failure(objects.proxiedClient.runPersistedQuery('wknd-shared/adventures-all'))

  // A CDN purge key, through an invalidation's purge and its log events.
  objects.purgingClient = new AEMHeadless({ serviceURL: emu.url, auth: issued.accessToken, ca, logger, cache: { purgeKey: PLANTED.purgeKey } })
  await objects.purgingClient.runPersistedQuery('wknd-shared/adventures-all')
  await objects.purgingClient.cache.invalidate({ queries: ['wknd-shared/adventures-all'] })
  assert.ok(emu.requests.some((request) => request.method === 'PURGE' && request.headers['x-aem-purge-key'] === PLANTED.purgeKey))
  errors.badProxy = await failure((async () => new AEMHeadless({ serviceURL: emu.url, proxy: `http://user:${PLANTED.proxyPassword}@[bad` }))())

  for (const serviceURL of [`https://admin:${PLANTED.urlPassword}@aem.example/`, `https://admin:${PLANTED.basicPassword}@aem.example/`]) {
    const error = await failure((async () => new AEMHeadless({ serviceURL }))())
    assert.equal(error.code, 'INVALID_PARAM')
    assert.ok(error.message.includes('https://***@aem.example/'), error.message)
    assert.equal(error.sdkDetails.serviceURL, 'https://***@aem.example/')
    errors[`userinfo ${serviceURL.length}`] = error
  }

  objects.credentialsClient = new AEMHeadless({ serviceURL: emu.url, credentials: emu.credentials, ca, logger })
  await objects.credentialsClient.runPersistedQuery('wknd-shared/adventures-all')
  objects.refusedCredentialsClient = new AEMHeadless({ serviceURL: emu.url, credentials: planted, ca, logger })
  errors.imsRefused = await failure(objects.refusedCredentialsClient.runPersistedQuery('wknd-shared/adventures-all'))

  objects.provider = new TokenProvider(emu.credentials, { ca, logger })
  // accessToken is the one place a token is meant to be read; the rest of the view is walked.
  const { accessToken, ...view } = await objects.provider.getAccessToken()
  assert.equal(typeof accessToken, 'string')
  objects.tokenView = view
  objects.refusedProvider = new TokenProvider(planted, { ca, logger })
  errors.providerRefused = await failure(objects.refusedProvider.getAccessToken())
  objects.devProvider = new TokenProvider(emu.devToken, { logger })
  await objects.devProvider.getAccessToken()

  objects.loadedService = await loadCredentials(emu.credentials)
  objects.loadedPlanted = await loadCredentials(planted)
  objects.loadedDev = await loadCredentials(emu.devToken)
  objects.loadedClient = new AEMHeadless({ serviceURL: emu.url, credentials: objects.loadedService, ca })

  // A password in imsEndpoint, in each form that reaches a different check, through every way
  // in; the token channel's contexts are walked too.
  const tokenChannel = diagnostics.tracingChannel('aem-headless-rs:token')
  const tokenContexts = []
  const onToken = { start: (context) => tokenContexts.push(context), end () {}, asyncStart () {}, asyncEnd () {}, error () {} }
  tokenChannel.subscribe(onToken)
  try {
    for (const imsEndpoint of [`admin:${PLANTED.basicPassword}@ims.example`, `https://admin:${PLANTED.urlPassword}@ims.example`, `http://admin:${PLANTED.basicPassword}@127.0.0.1:1`, `ftp://admin:${PLANTED.basicPassword}@ims.example`]) {
      const withPassword = structuredClone(emu.credentials)
      withPassword.integration.imsEndpoint = imsEndpoint
      const refused = [
        await failure(getToken(withPassword, { ca })),
        await failure(exchange(withPassword, { ca })),
        await failure(new TokenProvider(withPassword, { ca, logger }).getAccessToken())
      ]
      for (const error of refused) {
        assert.equal(error.code, 'INVALID_PARAM', error.message)
        assert.match(error.message, /imsEndpoint/)
      }
      refused.forEach((error, i) => { errors[`imsEndpoint ${imsEndpoint.slice(0, 8)} ${i}`] = error })
    }
  } finally {
    tokenChannel.unsubscribe(onToken)
  }
  assert.ok(tokenContexts.length >= 4, `token fetches were traced: ${tokenContexts.length}`)
  tokenContexts.forEach((context, i) => { objects[`token context ${i}`] = context })

  errors.getTokenRefused = await failure(getToken(planted, { ca }))
  errors.exchangeRefused = await failure(exchange(planted, { ca }))
  errors.badExpiresIn = await failure((async () => signServiceJwt(planted, { expiresIn: -1 }))())
  errors.badKey = await failure(loadCredentials({ ...planted, integration: { ...planted.integration, privateKey: planted.integration.privateKey.slice(0, 400) } }))

  assert.ok(events.length >= 8, `log events were emitted: ${events.length}`)
  for (const [name, value] of Object.entries(objects)) assertHoldsNone(name, value, secrets)
  for (const [name, value] of Object.entries(errors)) {
    assert.equal(value.name, 'AEMHeadlessError', `${name}: ${value.stack}`)
    assertHoldsNone(name, value, secrets)
  }
  events.forEach((event, i) => assertHoldsNone(`log event ${i} (${event.event})`, event, secrets))
})

test('user info in imsEndpoint is refused when credentials are loaded: no identity, no store key holds it', async () => {
  const password = 'PLANTED-ims-pw-c41e'
  const keys = []
  const store = {
    get: async (key) => { keys.push(key); return null },
    set: async (key) => { keys.push(key) },
    lease: async (key) => { keys.push(key); return async () => {} }
  }
  const inFile = JSON.parse(JSON.stringify(env.emu.credentials))
  inFile.integration.imsEndpoint = `admin:${password}@${env.emu.imsEndpoint}`
  const attempts = [
    () => new TokenProvider(inFile, { store, ca: env.emu.caPem }).getAccessToken(),
    () => new TokenProvider(env.emu.credentials, { store, ca: env.emu.caPem, imsEndpoint: `https://admin:${password}@${env.emu.imsEndpoint}` }).getAccessToken(),
    () => loadCredentials(inFile),
    () => getToken(inFile, { ca: env.emu.caPem })
  ]
  for (const attempt of attempts) {
    const error = await attempt().catch((e) => e)
    assert.equal(error.code, 'INVALID_PARAM', String(error && error.stack))
    assert.match(error.message, /imsEndpoint.* must not hold a user name or password/)
    assert.ok(!JSON.stringify(error.toJSON()).includes(password))
  }
  assert.deepEqual(keys, [], 'the store was never asked')
})
