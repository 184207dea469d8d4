'use strict'

// Per-call options (method, headers, signal), Adobe's retryOptions, and constructor parity.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const AEMHeadless = require('..')
const { setup, rejectsWith, silentServer } = require('./helpers')

let env
let aem
before(async () => {
  env = await setup()
  aem = new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.devToken.accessToken, ca: env.emu.caPem, headers: { 'X-Client': 'c', 'X-Both': 'client' } })
})
after(() => env.close())

test('per-call headers are merged over the client\'s', async () => {
  await aem.runPersistedQuery('wknd-shared/adventures-all', {}, { headers: { 'X-Call': 'k', 'X-Both': 'call' } })
  const sent = env.emu.requests.at(-1).headers
  assert.equal(sent['x-client'], 'c')
  assert.equal(sent['x-call'], 'k')
  assert.equal(sent['x-both'], 'call')
  assert.equal(sent['content-type'], 'application/json')
  assert.equal(sent.authorization, `Bearer ${env.emu.devToken.accessToken}`)
})

test('Authorization can be overridden per call', async () => {
  const other = env.emu.issueToken()
  await aem.runPersistedQuery('wknd-shared/adventures-all', {}, { headers: { Authorization: `Bearer ${other}` } })
  assert.equal(env.emu.requests.at(-1).headers.authorization, `Bearer ${other}`)
  const error = await rejectsWith(aem.runPersistedQuery('wknd-shared/adventures-all', {}, { headers: { authorization: 'Bearer nope' } }), 'RESPONSE_ERROR')
  assert.equal(error.sdkDetails.status, 401)
})

test('per-call headers with CR/LF are refused without echoing the value', async () => {
  const error = await rejectsWith(aem.runPersistedQuery('wknd-shared/adventures-all', {}, { headers: { 'X-Evil': 'a\r\nSet-Cookie: secret-value' } }), 'INVALID_PARAM')
  assert.ok(!error.message.includes('secret-value'))
})

test('the method option: a persisted query with POST', async () => {
  await aem.runPersistedQuery('test/echo', { a: 1 }, { method: 'post' })
  assert.equal(env.emu.requests.at(-1).method, 'POST')
})

test('an AbortSignal cancels the request in flight with REQUEST_ERROR and the abort as cause', async () => {
  const silent = await silentServer()
  try {
    const hanging = new AEMHeadless({ serviceURL: silent.url, auth: 't' })
    const controller = new AbortController()
    const pending = hanging.runPersistedQuery('wknd-shared/adventures-all', {}, { signal: controller.signal })
    setTimeout(() => controller.abort(), 50)
    const error = await rejectsWith(pending, 'REQUEST_ERROR')
    assert.equal(error.cause, controller.signal.reason)
    assert.equal(error.cause.name, 'AbortError')
    assert.match(error.message, /aborted/)

    const reason = new Error('shutting down')
    const controller2 = new AbortController()
    const pending2 = hanging.runQuery('{ a }', { signal: controller2.signal })
    setTimeout(() => controller2.abort(reason), 20)
    assert.equal((await rejectsWith(pending2, 'REQUEST_ERROR')).cause, reason)
  } finally {
    await silent.close()
  }
})

test('an already aborted signal fails at once, without a request', async () => {
  const count = env.emu.requests.length
  const error = await rejectsWith(aem.runPersistedQuery('wknd-shared/adventures-all', {}, { signal: AbortSignal.abort() }), 'REQUEST_ERROR')
  assert.equal(error.cause.name, 'AbortError')
  assert.equal(env.emu.requests.length, count)
})

test('a signal that never fires changes nothing', async () => {
  const data = await aem.runPersistedQuery('wknd-shared/adventures-all', {}, { signal: new AbortController().signal })
  assert.equal(data.data.adventureList.items.length, 16)
})

test('bad per-call options → INVALID_PARAM', async () => {
  await rejectsWith(aem.runPersistedQuery('x/y', {}, 'GET'), 'INVALID_PARAM')
  await rejectsWith(aem.runPersistedQuery('x/y', {}, { signal: {} }), 'INVALID_PARAM')
  await rejectsWith(aem.runPersistedQuery('x/y', {}, { headers: 'X-A: b' }), 'INVALID_PARAM')
  await rejectsWith(aem.runPersistedQuery('x/y', null), 'INVALID_PARAM')
  await rejectsWith(aem.runPersistedQuery('x/y', {}, { method: 'NOT A METHOD' }), 'INVALID_PARAM')
})

test('Adobe\'s retryOptions are accepted and validated', async () => {
  await aem.runPersistedQuery('wknd-shared/adventures-all', {}, {}, { maxRetries: 2, initialDelayInMillis: 100 })
  await aem.listPersistedQueries({}, {})
  for (const bad of [{ maxRetries: -1 }, { maxRetries: 1.5 }, { initialDelayInMillis: '100' }, 'fast', [1]]) {
    await rejectsWith(aem.runPersistedQuery('wknd-shared/adventures-all', {}, {}, bad), 'INVALID_PARAM')
  }
})

test('endpoint: \'\' means persisted queries only: runQuery fails with INVALID_PARAM', async () => {
  const persistedOnly = new AEMHeadless({ serviceURL: env.emu.url, endpoint: '', auth: env.emu.devToken.accessToken, ca: env.emu.caPem })
  assert.equal(persistedOnly.endpoint, '')
  const count = env.emu.requests.length
  const error = await rejectsWith(persistedOnly.runQuery('{ adventureList { items { slug } } }'), 'INVALID_PARAM')
  assert.match(error.message, /persisted queries only/)
  assert.equal(env.emu.requests.length, count, 'nothing was sent')
  const data = await persistedOnly.runPersistedQuery('wknd-shared/adventures-all')
  assert.equal(data.data.adventureList.items.length, 16)
})

test('missing serviceURL and endpoint get Adobe\'s defaults', () => {
  const defaults = new AEMHeadless({})
  assert.equal(defaults.serviceURL, '/')
  assert.equal(defaults.endpoint, 'content/graphql/global/endpoint.json')
})

test('the Rust side runs on one I/O thread unless AEM_HEADLESS_WORKER_THREADS says otherwise', () => {
  const { execFileSync } = require('node:child_process')
  const script = `
    const AEMHeadless = require(${JSON.stringify(require.resolve('..'))})
    const { settledIoThreads } = require(${JSON.stringify(require.resolve('./support/io-threads'))})
    new AEMHeadless({ serviceURL: 'https://127.0.0.1:9' }).runPersistedQuery('a/b', {}, {}, { maxRetries: 0 }).catch(() => {})
      .finally(async () => process.stdout.write(String(await settledIoThreads(Number(process.argv[1])))))`
  const threads = (workers, expected) => Number(execFileSync(process.execPath, ['-e', script, String(expected)], { env: { ...process.env, AEM_HEADLESS_WORKER_THREADS: workers } }))
  if (process.platform !== 'linux') return
  assert.equal(threads('', 1), 1)
  assert.equal(threads('3', 3), 3)
  assert.equal(threads('not a number', 1), 1)
})

test('the tracing option is checked once, the same way, wherever it is given: a boolean, or null and undefined for on', async () => {
  const oauth = { clientId: 'c', clientSecret: 's', scopes: ['openid'] }
  const entries = {
    AEMHeadless: (tracing) => new AEMHeadless({ serviceURL: 'https://aem.example', tracing }),
    TokenProvider: (tracing) => new AEMHeadless.TokenProvider(oauth, { tracing }),
    getToken: (tracing) => AEMHeadless.getToken({ accessToken: 'x' }, { tracing }),
    exchange: (tracing) => AEMHeadless.exchange(env.emu.credentials, { tracing })
  }
  for (const [name, entry] of Object.entries(entries)) {
    const refused = await (async () => entry('yes'))().then(() => null, (error) => error)
    assert.equal(refused && refused.code, 'INVALID_PARAM', name)
    assert.match(refused.message, /\btracing must be a boolean\.$/, name)
    for (const unset of [null, undefined, true, false]) {
      const outcome = await (async () => entry(unset))().then(() => null, (error) => error)
      assert.ok(outcome === null || !/tracing/.test(outcome.message), `${name} with tracing ${unset}: ${outcome && outcome.message}`)
    }
  }
})
