'use strict'

// Retries, timeouts, cancellation and limits, against the emulator's injected faults.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { randomUUID } = require('node:crypto')
const AEMHeadless = require('..')
const { setup, rejectsWith, silentServer } = require('./helpers')

let env
let aem
before(async () => {
  env = await setup()
  aem = client()
})
after(() => env.close())

function client (extra = {}) {
  return new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.devToken.accessToken, ca: env.emu.caPem, ...extra })
}

/** Runs a fault with a fresh counter key; returns the outcome and how many requests reached AEM. */
async function fault (name, variables = {}, options = {}, retryOptions = undefined, on = aem) {
  const key = randomUUID()
  env.emu.clearRequests()
  let result
  let error
  try {
    result = await on.runPersistedQuery(`fault/${name}`, { key, ...variables }, options, retryOptions)
  } catch (e) {
    error = e
  }
  const requests = env.emu.requests.filter((r) => r.url.includes(key)).length
  return { result, error, requests }
}

test('503 pages are retried until one succeeds', async () => {
  const { result, requests } = await fault('flaky', { failures: 2 })
  assert.equal(result.data.flaky.attempt, 3)
  assert.equal(requests, 3)
})

test('after 3 retries the last error surfaces with the number of attempts', async () => {
  const { error, requests } = await fault('flaky', { failures: 10 })
  assert.equal(error.code, 'RESPONSE_ERROR')
  assert.equal(error.sdkDetails.status, 503)
  assert.equal(error.sdkDetails.attempts, 4)
  assert.equal(requests, 4)
  assert.match(error.message, /invalid json response body at .* reason: Unexpected token/, 'Adobe\'s words')
})

test('a 500 with a JSON body is retried too', async () => {
  const { result, requests } = await fault('flaky-500', { failures: 1 })
  assert.equal(result.data.flaky.attempt, 2)
  assert.equal(requests, 2)
})

test('429 honours Retry-After, in seconds or as an HTTP date', async () => {
  for (const variables of [{ retryAfter: 1 }, { retryAfter: 2, date: 1 }]) {
    const started = Date.now()
    const { result, requests } = await fault('rate-limited', variables)
    assert.equal(result.data.rateLimited.attempt, 2)
    assert.equal(requests, 2)
    assert.ok(Date.now() - started >= 500, 'the retry waited for Retry-After')
  }
})

test('connections reset before the headers are retried', async () => {
  const { result, requests } = await fault('reset-before-headers', { failures: 2 })
  assert.equal(result.data.reset.attempt, 3)
  assert.equal(requests, 3)
})

test('other 4xx are not retried', async () => {
  env.emu.clearRequests()
  const error = await rejectsWith(aem.runPersistedQuery('test/error-400'), 'API_ERROR')
  assert.equal(error.sdkDetails.attempts, 1)
  assert.equal(env.emu.requests.length, 1)
})

test('a PUT is not retried after it may have reached the server', async () => {
  const { error, requests } = await fault('flaky', { failures: 1 }, { method: 'PUT' })
  assert.equal(error.sdkDetails.status, 503)
  assert.equal(error.sdkDetails.attempts, 1)
  assert.equal(requests, 1)
})

test('retries are configurable per client and per call (Adobe\'s retryOptions)', async () => {
  const once = await fault('flaky', { failures: 10 }, {}, undefined, client({ retries: { maxRetries: 1, initialDelayMs: 10 } }))
  assert.equal(once.requests, 2)
  assert.equal(once.error.sdkDetails.attempts, 2)
  const never = await fault('flaky', { failures: 10 }, {}, { maxRetries: 0 })
  assert.equal(never.requests, 1)
  const five = await fault('flaky', { failures: 5 }, {}, { maxRetries: 5, initialDelayInMillis: 5 })
  assert.equal(five.result.data.flaky.attempt, 6)
})

test('a request that takes too long fails with REQUEST_ERROR and says it timed out', async () => {
  const { error } = await fault('stall', { ms: 5000 }, {}, undefined, client({ timeout: 300 }))
  assert.equal(error.code, 'REQUEST_ERROR')
  assert.equal(error.sdkDetails.timeout, true)
  assert.match(error.message, /timed out after 300 ms/)

  const perCall = await fault('drip', { ms: 200 }, { timeout: 250 })
  assert.equal(perCall.error.code, 'REQUEST_ERROR')
  assert.equal(perCall.error.sdkDetails.timeout, true)
})

test('an AbortSignal cancels during a backoff wait', async () => {
  const controller = new AbortController()
  const slow = client({ retries: { initialDelayMs: 5000, maxDelayMs: 5000 } })
  // Full jitter may draw short waits, so the number of requests before the abort varies; what
  // matters is that none is sent after it.
  let atAbort
  setTimeout(() => {
    atAbort = env.emu.requests.length
    controller.abort()
  }, 300)
  const { error, requests } = await fault('flaky', { failures: 10 }, { signal: controller.signal }, undefined, slow)
  assert.equal(error.code, 'REQUEST_ERROR')
  assert.equal(error.cause.name, 'AbortError')
  assert.ok(requests >= 1 && requests === atAbort, `${requests} requests, ${atAbort} when aborted`)
})

test('broken bodies: reset after the headers, truncated, invalid JSON', async () => {
  const reset = await fault('reset-after-headers', {}, {}, { maxRetries: 0 })
  assert.equal(reset.error.code, 'REQUEST_ERROR')
  const truncated = await fault('truncated', {}, {}, { maxRetries: 0 })
  assert.equal(truncated.error.code, 'REQUEST_ERROR')
  const invalid = await fault('invalid-json')
  assert.equal(invalid.error.code, 'RESPONSE_ERROR')
  assert.equal(invalid.requests, 1)
})

test('response bodies are limited while they stream, gzip bombs included', async () => {
  const fine = await fault('huge', { mb: 2 })
  assert.equal(fine.result.data.blob.length, 2 * 1024 * 1024)
  const limited = await fault('huge', { mb: 2 }, {}, undefined, client({ maxResponseBytes: 1024 * 1024 }))
  assert.equal(limited.error.code, 'RESPONSE_ERROR')
  assert.match(limited.error.message, /larger than the limit of 1048576 bytes/)
  const bomb = await fault('gzip-bomb', { mb: 100 })
  assert.equal(bomb.error.code, 'RESPONSE_ERROR')
  assert.match(bomb.error.message, /larger than the limit of 67108864 bytes/)
})

test('bad reliability options are INVALID_PARAM', () => {
  for (const bad of [{ retries: { maxRetries: -1 } }, { retries: 3 }, { timeout: 0 }, { connectTimeout: 'soon' }, { maxResponseBytes: -5 }]) {
    assert.throws(() => client(bad), (e) => e.code === 'INVALID_PARAM')
  }
  return rejectsWith(aem.runPersistedQuery('test/echo', {}, { timeout: -1 }), 'INVALID_PARAM')
})

test('absurd timeouts and delays are refused, never a crash', async () => {
  await rejectsWith(aem.runPersistedQuery('test/echo', {}, { timeout: 1e300 }), 'INVALID_PARAM')
  await rejectsWith(aem.runPersistedQuery('test/echo', {}, {}, { initialDelayInMillis: Number.MAX_VALUE }), 'INVALID_PARAM')
  await rejectsWith(aem.runPersistedQuery('test/echo', {}, {}, { maxRetries: 1e9 }), 'INVALID_PARAM')
  for (const bad of [{ timeout: 1e300 }, { retries: { initialDelayMs: 1e12 } }, { maxResponseBytes: Infinity }]) {
    assert.throws(() => client(bad), (e) => e.code === 'INVALID_PARAM')
  }
})

test('a per-call connectTimeout bounds opening the connection (TCP and TLS)', async () => {
  const silent = await silentServer()
  try {
    const hanging = new AEMHeadless({ serviceURL: silent.url, auth: 't', timeout: 60000, retries: { maxRetries: 0 } })
    const error = await rejectsWith(hanging.runPersistedQuery('a/b', {}, { connectTimeout: 300 }), 'REQUEST_ERROR')
    assert.equal(error.sdkDetails.timeout, true)
    assert.equal(error.sdkDetails.attempts, 1)
    const data = await aem.runPersistedQuery('wknd-shared/adventures-all', {}, { connectTimeout: 5000 })
    assert.equal(data.data.adventureList.items.length, 16)
  } finally {
    await silent.close()
  }
})
