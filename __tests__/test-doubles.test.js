'use strict'

// An app's HTTP test doubles see every request of the package once AEM_HEADLESS_TRANSPORT=fetch
// is set (or transport: 'fetch'): nock, msw, undici's MockAgent and jest-fetch-mock answer AEM
// and IMS as they answer Adobe's client. No server runs here: the hosts are Adobe's real ones,
// and the doubles refuse any request they do not know, so a request that got past them fails.

const { test, afterEach } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const jwt = require('jsonwebtoken')
const AEMHeadless = require('..')
const { TokenProvider } = AEMHeadless

const AEM = 'https://publish-p123-e456.adobeaemcloud.com'
const IMS = 'https://ims-na1.adobelogin.com'
const QUERY_PATH = '/graphql/execute.json/wknd-shared/adventures-all'
const DATA = { data: { adventureList: { items: [{ title: 'Bali Surf Camp' }] } } }

const keys = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
/** Service credentials as the Developer Console gives them, for Adobe's real IMS host. */
const serviceCredentials = {
  ok: true,
  statusCode: 200,
  integration: {
    imsEndpoint: 'ims-na1.adobelogin.com',
    metascopes: 'ent_aem_cloud_api',
    technicalAccount: { clientId: 'cm-p123-e456-integration', clientSecret: 'p8e-client-SECRET' },
    email: 'tech@techacct.adobe.com',
    id: 'TECH0123@techacct.adobe.com',
    org: 'ORG0123@AdobeOrg',
    privateKey: keys.privateKey.export({ type: 'pkcs1', format: 'pem' })
  }
}
const oauthCredentials = { clientId: 'oauth-client', clientSecret: 'oauth-client-SECRET', scopes: ['openid', 'AdobeID', 'aem.fragments.management'] }

/** IMS's answer to a JWT exchange whose JWT verifies against the credentials' key. */
function exchangeAnswer (form) {
  const fields = Object.fromEntries(new URLSearchParams(form))
  const claims = jwt.verify(fields.jwt_token, keys.publicKey, { algorithms: ['RS256'] })
  assert.equal(claims.iss, 'ORG0123@AdobeOrg')
  assert.equal(fields.client_secret, 'p8e-client-SECRET')
  return { token_type: 'bearer', access_token: 'jwt-access-token', expires_in: 86399999 }
}

afterEach(() => { delete process.env.AEM_HEADLESS_TRANSPORT })

test('nock answers IMS and AEM, with net connect disabled', async (t) => {
  const nock = require('nock')
  nock.disableNetConnect()
  t.after(() => { nock.cleanAll(); nock.enableNetConnect() })
  process.env.AEM_HEADLESS_TRANSPORT = 'fetch'
  const ims = nock(IMS).post('/ims/exchange/jwt', (body) => typeof body === 'object' || typeof body === 'string')
    .reply(200, function (uri, body) { return exchangeAnswer(typeof body === 'string' ? body : new URLSearchParams(body).toString()) })
  const aem = nock(AEM, { reqheaders: { authorization: 'Bearer jwt-access-token', 'content-type': 'application/json' } })
    .get(QUERY_PATH).reply(200, DATA)
  const client = new AEMHeadless({ serviceURL: AEM, credentials: serviceCredentials })
  assert.deepEqual(await client.runPersistedQuery('wknd-shared/adventures-all'), DATA)
  assert.ok(ims.isDone() && aem.isDone())
  // An unknown request is refused by nock, not sent: the error says so, and no secret.
  const error = await client.runPersistedQuery('wknd-shared/unknown').catch((e) => e)
  assert.equal(error.code, 'REQUEST_ERROR')
  assert.match(error.message, /Nock/)
  assert.doesNotMatch(error.message, /jwt-access-token/)
})

test('msw answers OAuth Server-to-Server and AEM, and refuses what it does not know', async (t) => {
  const { setupServer } = require('msw/node')
  const { http, HttpResponse } = require('msw')
  const seen = []
  const server = setupServer(
    http.post(`${IMS}/ims/token/v3`, async ({ request }) => {
      const fields = Object.fromEntries(new URLSearchParams(await request.text()))
      seen.push(fields.grant_type)
      return HttpResponse.json({ access_token: 'oauth-access-token', token_type: 'bearer', expires_in: 86399 })
    }),
    http.get(`${AEM}${QUERY_PATH}`, ({ request }) => {
      seen.push(request.headers.get('authorization'))
      return HttpResponse.json(DATA)
    })
  )
  server.listen({ onUnhandledRequest: 'error' })
  t.after(() => server.close())
  const client = new AEMHeadless({ serviceURL: AEM, credentials: oauthCredentials, transport: 'fetch' })
  assert.deepEqual(await client.runPersistedQuery('wknd-shared/adventures-all'), DATA)
  assert.deepEqual(seen, ['client_credentials', 'Bearer oauth-access-token'])
  const provider = new TokenProvider(oauthCredentials, { transport: 'fetch' })
  const token = await provider.getAccessToken()
  assert.equal(token.accessToken, 'oauth-access-token')
  assert.ok(token.expiresAt - Date.now() > 86000 * 1000 && token.expiresAt - Date.now() <= 86399 * 1000, 'seconds from /ims/token/v3')
  const error = await client.runQuery('{ x }').catch((e) => e)
  assert.equal(error.code, 'REQUEST_ERROR')
})

test('authFetch, request and paginate of any AEM API are seen by nock, token and X-Api-Key included', async (t) => {
  const nock = require('nock')
  nock.disableNetConnect()
  t.after(() => { nock.cleanAll(); nock.enableNetConnect() })
  process.env.AEM_HEADLESS_TRANSPORT = 'fetch'
  nock(IMS).post('/ims/token/v3').reply(200, { access_token: 'oauth-access-token', token_type: 'bearer', expires_in: 86399 })
  const sites = nock(AEM, { reqheaders: { authorization: 'Bearer oauth-access-token', 'x-api-key': 'oauth-client' } })
    .get('/adobe/sites/cf/fragments').query({ limit: 2 }).reply(200, { items: [{ id: 'a' }, { id: 'b' }], cursor: 'next' })
    .get('/adobe/sites/cf/fragments').query({ limit: 2, cursor: 'next' }).reply(200, { items: [{ id: 'c' }] })
    .get('/adobe/sites/cf/fragments/gone').reply(404, { type: 'about:blank', title: 'Not Found', status: 404, detail: 'no fragment gone' }, { 'content-type': 'application/problem+json' })
  const client = new AEMHeadless({ serviceURL: AEM, credentials: oauthCredentials })
  const ids = []
  for await (const fragment of client.paginate('/adobe/sites/cf/fragments', { query: { limit: 2 } })) ids.push(fragment.id)
  assert.deepEqual(ids, ['a', 'b', 'c'])
  const error = await client.request('/adobe/sites/cf/fragments/gone').catch((e) => e)
  assert.equal(error.code, 'API_ERROR')
  assert.equal(error.sdkDetails.problem.detail, 'no fragment gone')
  assert.ok(sites.isDone())
  // nock quotes a request it does not know whole, headers included: the token is cut out.
  const util = require('node:util')
  const unknown = await client.authFetch('/adobe/sites/cf/unknown').catch((e) => e)
  assert.match(unknown.message, /Nock: No match for request/)
  assert.match(unknown.message, /\[redacted\]/)
  const wrapped = await client.request('/adobe/sites/cf/unknown').catch((e) => e)
  assert.equal(wrapped.code, 'REQUEST_ERROR')
  for (const failure of [unknown, wrapped]) assert.doesNotMatch(util.inspect(failure, { depth: 10 }) + JSON.stringify(failure), /oauth-access-token/)
})

test('authFetch is seen by msw with a static token', async (t) => {
  const { setupServer } = require('msw/node')
  const { http, HttpResponse } = require('msw')
  const server = setupServer(http.get(`${AEM}/adobe/sites/cf/models`, ({ request }) => HttpResponse.json({ items: [], auth: request.headers.get('authorization') })))
  server.listen({ onUnhandledRequest: 'error' })
  t.after(() => server.close())
  const response = await new AEMHeadless({ serviceURL: AEM, auth: 'dev-token' }).authFetch('/adobe/sites/cf/models')
  assert.equal(response.status, 200)
  assert.deepEqual(await response.json(), { items: [], auth: 'Bearer dev-token' })
})

test('undici\'s MockAgent as the global dispatcher answers IMS and AEM', async (t) => {
  const { MockAgent, setGlobalDispatcher, getGlobalDispatcher } = require('undici')
  const previous = getGlobalDispatcher()
  const agent = new MockAgent()
  agent.disableNetConnect()
  setGlobalDispatcher(agent)
  t.after(async () => { setGlobalDispatcher(previous); await agent.close() })
  process.env.AEM_HEADLESS_TRANSPORT = 'fetch'
  agent.get(IMS).intercept({ path: '/ims/exchange/jwt', method: 'POST' })
    .reply(200, ({ body }) => exchangeAnswer(String(body)))
  agent.get(AEM).intercept({ path: QUERY_PATH, method: 'GET', headers: { authorization: 'Bearer jwt-access-token' } })
    .reply(200, DATA, { headers: { 'content-type': 'application/json' } })
  agent.get(AEM).intercept({ path: '/graphql/execute.json/wknd-shared/missing', method: 'GET' })
    .reply(404, { errors: [{ errorType: 'ServletError', message: 'no such persisted query' }] })
  const client = new AEMHeadless({ serviceURL: AEM, credentials: serviceCredentials })
  assert.deepEqual(await client.runPersistedQuery('wknd-shared/adventures-all'), DATA)
  const error = await client.runPersistedQuery('wknd-shared/missing').catch((e) => e)
  assert.equal(error.code, 'API_ERROR')
  assert.equal(error.sdkDetails.status, 404)
  assert.deepEqual(error.sdkDetails.errors, [{ errorType: 'ServletError', message: 'no such persisted query' }])
  agent.assertNoPendingInterceptors()
})

/** Runs jest on the project in `dir` as an app's CI does: no variable of this package set. */
function jest (dir) {
  const { AEM_HEADLESS_TRANSPORT, ...environment } = process.env
  const run = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--config', path.join(dir, 'jest.config.js'), '--ci', '--colors=false'], {
    cwd: dir,
    encoding: 'utf8',
    env: environment,
    timeout: 120000
  })
  return { status: run.status, report: `${run.stdout}${run.stderr}` }
}

test('jest-fetch-mock in a jest test answers the client, as it answers Adobe\'s, with nothing configured', () => {
  const { status, report } = jest(path.join(__dirname, 'jest'))
  assert.equal(status, 0, report)
  assert.match(report, /Tests:\s+4 passed, 4 total/, report)
})

test('nock (net connect disabled), undici\'s MockAgent and jest\'s fake timers in jest tests, with nothing configured', () => {
  const { status, report } = jest(path.join(__dirname, 'jest-doubles'))
  assert.equal(status, 0, report)
  assert.match(report, /Tests:\s+4 passed, 4 total/, report)
  assert.doesNotMatch(report, /did not exit/, 'nothing keeps jest\'s process alive')
})
