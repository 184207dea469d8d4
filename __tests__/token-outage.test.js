'use strict'

// An IMS outage inside the refresh window costs little: the provider keeps serving its valid
// token, asks IMS at most once per pause (a jittered backoff, never longer than half the time the
// token has left), and calls the store a few times per attempt, not per call. A lease outlives
// its holder's exchange. Against a real redis-server, with every store call counted.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { createClient } = require('redis')
const { TokenProvider, createRedisStore } = require('..')
const { setup } = require('./helpers')
const { startRedis, skipWithoutRedis } = require('./support/redis-server')

const skip = skipWithoutRedis()
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
let env
let redis
let client
before(async () => {
  env = await setup()
  if (skip) return
  redis = await startRedis()
  client = createClient({ url: redis.url })
  await client.connect()
})
after(async () => {
  if (client) await client.quit()
  if (redis) await redis.stop()
  await env.close()
})

/** createRedisStore with every call counted by name. */
function countingStore () {
  const store = createRedisStore(client, { prefix: `outage-${Date.now()}-${Math.random()}:` })
  const calls = { get: 0, set: 0, lease: 0, release: 0 }
  return {
    calls,
    get: (...args) => { calls.get++; return store.get(...args) },
    set: (...args) => { calls.set++; return store.set(...args) },
    lease: async (...args) => {
      calls.lease++
      const release = await store.lease(...args)
      return release === null ? null : async () => { calls.release++; await release() }
    }
  }
}

const requests = () => env.emu.stats.exchanges

test('IMS down inside the refresh window: the valid token is served, one IMS attempt per pause, a few store calls per attempt', { skip }, async () => {
  env.emu.setTokenLifetime(6)
  const store = countingStore()
  try {
    // Refresh half-way, at 3 s: the outage starts then and lasts 1.5 s, with a call every 5 ms.
    const provider = new TokenProvider(env.emu.credentials, { ca: env.emu.caPem, store, refreshRatio: 0.5, refreshMarginMs: 0 })
    const first = await provider.getAccessToken()
    await sleep(3050)
    env.emu.failNextTokenRequests(1000)
    const before = requests()
    const storeBefore = { ...store.calls }
    let calls = 0
    const until = Date.now() + 1500
    while (Date.now() < until) {
      const token = await provider.getAccessToken()
      assert.equal(token.accessToken, first.accessToken, 'the valid token is served throughout')
      calls++
      await sleep(5)
    }
    const attempts = requests() - before
    const storeCalls = Object.keys(store.calls).reduce((sum, name) => sum + store.calls[name] - storeBefore[name], 0)
    assert.ok(calls > 150, `${calls} calls`)
    // Pauses here are half the time left (1.5 s, then 0.75 s …): at most three attempts, each
    // one request (no retries while the token is valid), and four store calls each.
    assert.ok(attempts >= 1 && attempts <= 3, `${attempts} IMS requests for ${calls} calls`)
    assert.ok(storeCalls <= 4 * attempts, `${storeCalls} store calls for ${attempts} attempts: ${JSON.stringify(store.calls)}`)
  } finally {
    env.emu.failNextTokenRequests(0)
    env.emu.setTokenLifetime(86399.999)
  }
})

test('after a failed refresh, no IMS request before the pause ends', { skip }, async () => {
  // A 10 s token refreshed half-way (ratio 1: the whole lifetime is margin, capped at half).
  // The first failure pauses 2.5 to 7.5 s, cut to half the time left.
  const provider = new TokenProvider(env.emu.credentials, { ca: env.emu.caPem, refreshRatio: 1 })
  env.emu.setTokenLifetime(10)
  try {
    const first = await provider.getAccessToken()
    await sleep(5100)
    env.emu.failNextTokenRequests(1000)
    const before = requests()
    const until = Date.now() + 2000
    while (Date.now() < until) {
      assert.equal((await provider.getAccessToken()).accessToken, first.accessToken)
      await sleep(10)
    }
    // Half-way into a 10 s token, 4.9 s left: the first pause is at most 2.45 s, so one attempt.
    assert.equal(requests() - before, 1)
  } finally {
    env.emu.failNextTokenRequests(0)
    env.emu.setTokenLifetime(86399.999)
  }
})

test('a lease outlives its holder\'s exchange: a slow IMS times the exchange out before the lease ends', { skip }, async () => {
  const store = countingStore()
  const leases = []
  const lease = store.lease
  store.lease = async (key, ttlMs) => {
    const release = await lease(key, ttlMs)
    if (release === null) return null
    const entry = { ttlMs, takenAt: Date.now() }
    leases.push(entry)
    return async () => { entry.releasedAt = Date.now(); await release() }
  }
  env.emu.delayTokenRequests(5000)
  try {
    const provider = new TokenProvider(env.emu.credentials, { ca: env.emu.caPem, store, leaseMs: 2000 })
    const started = Date.now()
    const error = await provider.getAccessToken().then(() => null, (e) => e)
    assert.equal(error && error.code, 'EXCHANGE_TOKEN_ERROR')
    assert.ok(Date.now() - started < 2000, 'the exchange gave up within the lease')
    assert.equal(leases.length, 1)
    assert.ok(leases[0].releasedAt - leases[0].takenAt < leases[0].ttlMs, `released after ${leases[0].releasedAt - leases[0].takenAt} ms of a ${leases[0].ttlMs} ms lease`)
  } finally {
    env.emu.delayTokenRequests(0)
  }
})
