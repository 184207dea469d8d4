'use strict'

// The server-to-server flow end to end over HTTPS against the local emulator.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const AEMHeadless = require('..')
const { getToken } = require('..')
const { setup, rejectsWith } = require('./helpers')

let env
before(async () => { env = await setup() })
after(() => env.close())

const client = (auth, extra = {}) => new AEMHeadless({ serviceURL: env.emu.url, auth, ca: env.emu.caPem, ...extra })

test('exports the shape of Adobe\'s package', () => {
  assert.equal(typeof AEMHeadless, 'function')
  assert.equal(AEMHeadless.AEMHeadless, AEMHeadless)
  assert.equal(typeof AEMHeadless.getToken, 'function')
  assert.equal(typeof AEMHeadless.AEMHeadlessError, 'function')
  assert.deepEqual(Object.keys(AEMHeadless.ErrorCodes).sort(), [
    'API_ERROR', 'AUTH_FILE_PARSE_ERROR', 'AUTH_FILE_READ_ERROR', 'EXCHANGE_TOKEN_ERROR',
    'INVALID_PARAM', 'REQUEST_ERROR', 'RESPONSE_ERROR'
  ])
  const error = new AEMHeadless.ErrorCodes.API_ERROR({ sdkDetails: { status: 500 }, messageValues: 'boom' })
  assert.ok(error instanceof AEMHeadless.AEMHeadlessError)
  assert.equal(error.message, '[AEMHeadless:API_ERROR] There was a problem with your API call: boom.')
})

test('service credentials file → IMS token → persisted query', async () => {
  const token = await getToken(env.files.credentialsFile, { ca: env.emu.caPem })
  assert.equal(token.type, 'bearer')
  assert.equal(token.expires, 86399999)
  assert.match(token.accessToken, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)
  assert.equal(env.emu.stats.exchanges > 0, true)

  const data = await client(token.accessToken).runPersistedQuery('wknd-shared/adventures-all', { imageWidth: 1200 })
  const items = data.data.adventureList.items
  assert.equal(items.length, 16)
  for (const item of items) assert.match(item.primaryImage._dynamicUrl, /[?&]width=1200$/)

  const last = env.emu.requests.at(-1)
  assert.equal(last.method, 'GET')
  assert.equal(last.url, '/graphql/execute.json/wknd-shared/adventures-all%3BimageWidth%3D1200;')
  assert.equal(last.headers.authorization, `Bearer ${token.accessToken}`)
  assert.equal(last.headers['content-type'], 'application/json')
})

test('getToken accepts a parsed credentials object', async () => {
  const token = await getToken(env.emu.credentials, { ca: env.emu.caPem })
  assert.match(token.accessToken, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)
})

test('a local development token is used as is, valid 24 h', async () => {
  const exchanges = env.emu.stats.exchanges
  const token = await getToken(env.files.devTokenFile)
  assert.deepEqual(token, { accessToken: env.emu.devToken.accessToken, type: 'Bearer', expires: 86400000 })
  assert.equal(env.emu.stats.exchanges, exchanges, 'a dev token needs no exchange')
  const data = await client(token.accessToken).runPersistedQuery('wknd-shared/adventures-all')
  assert.equal(data.data.adventureList.items.length, 16)
  assert.equal(env.emu.requests.at(-1).url, '/graphql/execute.json/wknd-shared/adventures-all')
})

test('Basic auth with a [user, password] pair', async () => {
  await client(['admin', 'admin']).runPersistedQuery('wknd-shared/adventures-all')
  assert.equal(env.emu.requests.at(-1).headers.authorization, `Basic ${Buffer.from('admin:admin').toString('base64')}`)
  const error = await rejectsWith(client(['admin', 'wrong']).runPersistedQuery('wknd-shared/adventures-all'), 'RESPONSE_ERROR')
  assert.equal(error.sdkDetails.status, 401)
})

test('a revoked or unknown token gets the 401 with an empty body as RESPONSE_ERROR', async () => {
  const token = env.emu.issueToken()
  await client(token).runPersistedQuery('wknd-shared/adventures-all')
  env.emu.revokeToken(token)
  for (const auth of [token, 'not-a-token']) {
    const error = await rejectsWith(client(auth).runPersistedQuery('wknd-shared/adventures-all'), 'RESPONSE_ERROR')
    assert.equal(error.sdkDetails.status, 401)
    assert.equal(error.sdkDetails.excerpt, '')
    assert.equal(error.sdkDetails.serviceURL, `${env.emu.url}/`)
    assert.equal(error.sdkDetails.endpoint, 'graphql/execute.json/wknd-shared/adventures-all')
  }
})

test('a string config is the serviceURL; trailing slashes are normalized', () => {
  const a = new AEMHeadless(env.emu.url)
  assert.equal(a.serviceURL, `${env.emu.url}/`)
  assert.equal(a.endpoint, 'content/graphql/global/endpoint.json')
  const b = new AEMHeadless({ serviceURL: `${env.emu.url}/`, endpoint: '/content/graphql/x/endpoint.json' })
  assert.equal(b.serviceURL, `${env.emu.url}/`)
  assert.equal(b.endpoint, 'content/graphql/x/endpoint.json')
  // Adobe's field, read through an accessor: no own property shows the token.
  const c = new AEMHeadless({ serviceURL: env.emu.url, auth: 'flow-secret-token' })
  assert.equal(c.auth, 'flow-secret-token')
  assert.equal(Object.getOwnPropertyNames(c).includes('auth'), false, 'the token is not an own property')
})

test('runQuery posts an ad-hoc query, as a string or with variables', async () => {
  const aem = client(env.emu.devToken.accessToken)
  const query = '{ adventureList(limit: 2) { items { slug } } }'
  const data = await aem.runQuery(query)
  assert.equal(data.data.adventureList.items.length, 2)
  const sent = env.emu.requests.at(-1)
  assert.equal(sent.method, 'POST')
  assert.equal(sent.url, '/content/graphql/global/endpoint.json')
  assert.deepEqual(JSON.parse(sent.body), { query })

  const withVars = await aem.runQuery({ query: 'query($n: Int) { adventureList(limit: $n) { items { slug } } }', variables: { n: 3 } })
  assert.equal(withVars.data.adventureList.items.length, 3)
})

test('runPersistedQuery with POST sends the variables in a JSON body', async () => {
  const data = await client(env.emu.devToken.accessToken).runPersistedQuery('test/echo', { a: 'x;y', n: 5 }, { method: 'POST' })
  const sent = env.emu.requests.at(-1)
  assert.equal(sent.method, 'POST')
  assert.equal(sent.url, '/graphql/execute.json/test/echo')
  assert.deepEqual(JSON.parse(sent.body), { variables: { a: 'x;y', n: 5 } })
  assert.deepEqual(data.data.echo.variables, { a: 'x;y', n: 5 })
})

test('the README\'s example script runs through npm start and prints the adventures', async () => {
  const { execFileSync } = require('node:child_process')
  const out = execFileSync(process.execPath, [require.resolve('../scripts/start.js')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  const data = JSON.parse(out)
  assert.equal(data.data.adventureList.items.length, 16)
  assert.ok(fs.existsSync(require.resolve('../examples/server-to-server.js')))
})
