'use strict'

// diagnostics_channel: the TracingChannels `aem-headless-rs:request` and `aem-headless-rs:token`
// publish start, end, asyncStart, asyncEnd (and error) around every AEM request and every token
// fetch, with contexts that say what happened and hold no secret.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const diagnostics = require('node:diagnostics_channel')
const util = require('node:util')
const AEMHeadless = require('..')
const { TokenProvider } = AEMHeadless
const { setup, rejectsWith, secretsOf } = require('./helpers')
const { requestTrace, tokenTrace } = require('../lib/tracing')
const { redactUrl } = require('../binding.js')

let env
before(async () => { env = await setup() })
after(() => env.close())

const EVENTS = ['start', 'end', 'asyncStart', 'asyncEnd', 'error']

/**
 * Subscribes to every event of `name` and records `[event, snapshot of the context]`; the
 * context itself is kept too, to see what it holds at the end.
 */
function record (name) {
  const channel = diagnostics.tracingChannel(name)
  const events = []
  const handlers = {}
  for (const event of EVENTS) {
    handlers[event] = (context) => events.push({ event, context, snapshot: { ...context } })
  }
  channel.subscribe(handlers)
  return { events, stop: () => channel.unsubscribe(handlers) }
}

/** Asserts that no context (but the channel's `result`, the app's own data) holds a secret. */
function assertNoSecret (events, extra = []) {
  for (const { context } of events) {
    const { result, ...rest } = context
    const text = util.inspect(rest, { depth: 10 }) + JSON.stringify(rest)
    for (const secret of [...secretsOf(env.emu), ...extra]) assert.ok(!text.includes(secret), `a secret in a context: ${text.slice(0, 300)}`)
  }
}

test('nothing is built when nobody subscribes', () => {
  assert.equal(requestTrace({ method: 'GET' }, 'https://h/', 'x'), null)
  assert.equal(tokenTrace(), null)
  const { stop } = record('aem-headless-rs:request')
  try {
    assert.notEqual(requestTrace({ method: 'GET' }, 'https://h/', 'x'), null)
  } finally {
    stop()
  }
  assert.equal(requestTrace({ method: 'GET' }, 'https://h/', 'x'), null)
})

test('a cold credentials client: the token fetch from IMS, then the request, each start → end → asyncStart → asyncEnd', async () => {
  const requests = record('aem-headless-rs:request')
  const tokens = record('aem-headless-rs:token')
  try {
    const aem = new AEMHeadless({ serviceURL: env.emu.url, credentials: env.files.credentialsFile, ca: env.emu.caPem })
    const { data } = await aem.runPersistedQuery('wknd-shared/adventures-all')
    assert.equal(data.adventureList.items.length, 16)

    assert.deepEqual(tokens.events.map((e) => e.event), ['start', 'end', 'asyncStart', 'asyncEnd'])
    const token = tokens.events.at(-1).context
    assert.equal(token.source, 'ims')
    assert.equal(token.url, `https://${env.emu.imsEndpoint}/ims/exchange/jwt`)
    assert.equal(token.status, 200)
    assert.equal(token.attempts, 1)
    assert.equal(token.tokenType, 'bearer')
    assert.ok(token.expiresAt > Date.now())
    assert.equal(token.result, undefined, 'the token is never in a context')
    assert.equal(token.error, undefined)

    assert.deepEqual(requests.events.map((e) => e.event), ['start', 'end', 'asyncStart', 'asyncEnd'])
    const [start] = requests.events
    assert.deepEqual(start.snapshot, {
      operation: 'runPersistedQuery',
      method: 'GET',
      url: `${env.emu.url}/graphql/execute.json/wknd-shared/adventures-all`,
      persistedQuery: 'wknd-shared/adventures-all'
    })
    const done = requests.events.at(-1).snapshot
    assert.equal(done.status, 200)
    assert.equal(done.attempts, 1)
    assert.equal(done.cached, false)
    assert.equal(done.result, requests.events.at(-1).context.result)
    assert.equal(done.result.data.adventureList.items.length, 16, 'result: the parsed response')
    // The token was fetched before the request started.
    assert.ok(tokens.events.length + requests.events.length === 8)
    assertNoSecret([...requests.events, ...tokens.events])
  } finally {
    requests.stop()
    tokens.stop()
  }
})

test('an error: start → end → error → asyncStart → asyncEnd, with the status, attempts and the error', async () => {
  const requests = record('aem-headless-rs:request')
  try {
    const token = env.emu.issueToken()
    const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: token, ca: env.emu.caPem })
    const error = await rejectsWith(aem.runPersistedQuery('test/error-500', {}, {}, { maxRetries: 1, initialDelayInMillis: 1 }), 'API_ERROR')
    assert.deepEqual(requests.events.map((e) => e.event), ['start', 'end', 'error', 'asyncStart', 'asyncEnd'])
    const context = requests.events.at(-1).context
    assert.equal(context.error, error)
    assert.equal(context.status, 500)
    assert.equal(context.attempts, 2)
    assertNoSecret(requests.events, [token])
  } finally {
    requests.stop()
  }
})

test('every operation names itself; a cache hit says cached, with no attempt', async () => {
  const requests = record('aem-headless-rs:request')
  try {
    const token = env.emu.issueToken()
    const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: token, ca: env.emu.caPem, cache: true })
    await aem.runPersistedQuery('wknd-shared/adventures-all')
    await aem.runPersistedQuery('wknd-shared/adventures-all')
    await aem.runQuery('{ adventureList { items { title } } }')
    await aem.listPersistedQueries()
    await aem.persistQuery('{ adventureList { items { slug } } }', `traced/q${Date.now()}`)
    for await (const page of aem.runPaginatedQuery('adventure', '{ title }', { pageSize: 20 })) assert.ok(page.length > 0)
    const done = requests.events.filter((e) => e.event === 'asyncEnd').map((e) => e.context)
    assert.deepEqual(done.map((c) => c.operation), ['runPersistedQuery', 'runPersistedQuery', 'runQuery', 'listPersistedQueries', 'persistQuery', 'runPaginatedQuery'])
    assert.deepEqual(done.map((c) => c.method), ['GET', 'GET', 'POST', 'GET', 'PUT', 'POST'])
    assert.equal(done[0].persistedQuery, 'wknd-shared/adventures-all')
    assert.equal(done[0].cached, false)
    assert.equal(done[1].cached, true)
    assert.equal(done[1].attempts, 0)
    assert.match(done[4].persistedQuery, /^traced\/q\d+$/)
    assert.equal(done[4].status, 201)
    assert.equal(done[2].persistedQuery, undefined)
    assertNoSecret(requests.events, [token])
  } finally {
    requests.stop()
  }
})

test('token fetches: from the store, a development token, getToken, and a failed refresh', async () => {
  const tokens = record('aem-headless-rs:token')
  try {
    const entries = new Map()
    const store = { async get (key) { return entries.get(key) }, async set (key, value) { entries.set(key, value) } }
    const options = { ca: env.emu.caPem, store }
    await new TokenProvider(env.files.credentialsFile, options).getAccessToken()
    await new TokenProvider(env.files.credentialsFile, options).getAccessToken()
    await new TokenProvider(env.files.devTokenFile).getAccessToken()
    await AEMHeadless.getToken(env.files.credentialsFile, { ca: env.emu.caPem })
    env.emu.failNextTokenRequests(10)
    const failing = new TokenProvider(env.files.credentialsFile, { ca: env.emu.caPem })
    await assert.rejects(failing.getAccessToken(), { name: 'AEMHeadlessError' })
    env.emu.failNextTokenRequests(0)
    const done = tokens.events.filter((e) => e.event === 'asyncEnd').map((e) => e.context)
    assert.deepEqual(done.map((c) => c.source), ['ims', 'store', 'dev-token', 'ims', 'ims'])
    assert.equal(done[2].tokenType, 'Bearer')
    assert.equal(done[3].status, 200, 'getToken is a token fetch too')
    const failed = done[4]
    assert.ok(failed.error, 'the failure is in the context')
    assert.equal(failed.keptValidToken, false)
    assert.deepEqual(tokens.events.slice(-5).map((e) => e.event), ['start', 'end', 'error', 'asyncStart', 'asyncEnd'])
    assertNoSecret(tokens.events)
  } finally {
    tokens.stop()
  }
})

test('URLs: the query values the HTTP conventions redact', () => {
  assert.equal(redactUrl('https://h/a;b=1'), 'https://h/a;b=1')
  assert.equal(redactUrl('https://h/a?sig=abc&x=1&Signature=s#f'), 'https://h/a?sig=REDACTED&x=1&Signature=REDACTED#f')
  assert.equal(redactUrl('https://h/a?AWSAccessKeyId=k&X-Goog-Signature=g'), 'https://h/a?AWSAccessKeyId=REDACTED&X-Goog-Signature=REDACTED')
  assert.equal(redactUrl('https://s3.example/k?X-Amz-Credential=c&X-Amz-Signature=s&X-Amz-Security-Token=t&X-Amz-Expires=60'), 'https://s3.example/k?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&X-Amz-Security-Token=REDACTED&X-Amz-Expires=60')
  assert.equal(redactUrl('https://user:pw@h/a'), 'https://***@h/a')
})

test('exchange() and getToken() with OAuth credentials say the expiry in milliseconds, though /ims/token/v3 counts seconds', async () => {
  const { clientId, clientSecret } = env.emu.credentials.integration.technicalAccount
  const oauth = { clientId, clientSecret, scopes: ['AdobeID', 'openid'], imsEndpoint: env.emu.imsEndpoint }
  const loaded = await AEMHeadless.loadCredentials(oauth)
  const tokens = record('aem-headless-rs:token')
  try {
    const raw = await AEMHeadless.exchange(loaded, { ca: env.emu.caPem })
    assert.equal(raw.expires_in, 86399, 'IMS\'s answer as it came: seconds')
    const token = await AEMHeadless.getToken(oauth, { ca: env.emu.caPem })
    assert.equal(token.expires, 86399000)
  } finally {
    tokens.stop()
  }
  const ends = tokens.events.filter((e) => e.event === 'asyncEnd')
  assert.equal(ends.length, 2)
  for (const { snapshot } of ends) {
    const ahead = snapshot.expiresAt - Date.now()
    assert.ok(ahead > 86000 * 1000 && ahead <= 86399 * 1000, `expiresAt is ${ahead} ms ahead`)
  }
})
