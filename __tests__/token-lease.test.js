'use strict'

// Processes that share a token through a real redis-server refresh once: the store's lease lets
// one of them exchange while the others keep their valid token and then read the new one. A
// lease holder that dies is overtaken; a Redis server that goes away makes every process fall
// back to its own exchange, without a failed call.

const { test, before, after, beforeEach } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { spawn } = require('node:child_process')
const { createClient } = require('redis')
const { setup } = require('./helpers')
const { startRedis, skipWithoutRedis } = require('./support/redis-server')

const CLIENT = path.join(__dirname, 'support', 'lease-client.js')
const LIFETIME_MS = 4000
const PROCESSES = 8
/** How long past its run a client process may take to exit before it counts as stuck. */
const STUCK_AFTER_MS = 60000

const skip = skipWithoutRedis()
let env
let redis

before(async () => {
  env = await setup({ tokenLifetimeMs: LIFETIME_MS })
  if (!skip) redis = await startRedis()
})
after(async () => {
  if (redis) await redis.stop()
  await env.close()
})
beforeEach(async () => {
  if (skip) return
  env.emu.delayTokenRequests(0)
  const client = createClient({ url: redis.url })
  await client.connect()
  await client.flushAll()
  await client.quit()
})

/** Starts one client process; resolves with its `{ok, failures}` when it exits. */
function startClient (durationMs, options = {}) {
  const child = spawn(process.execPath, [CLIENT, redis.url, env.emu.url, env.files.credentialsFile, env.files.caFile, String(durationMs), JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let connected
  const ready = new Promise((resolve) => { connected = resolve })
  child.stdout.on('data', (chunk) => { stdout += chunk })
  child.stderr.on('data', (chunk) => {
    stderr += chunk
    if (stderr.includes('connected\n')) connected()
  })
  // A client that outlives its run by far is stuck: it is killed, and the test fails saying so
  // (with what the client printed) instead of waiting for ever.
  let stuck = false
  const watchdog = setTimeout(() => { stuck = true; child.kill('SIGKILL') }, Number(durationMs) + STUCK_AFTER_MS)
  const done = new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => {
      clearTimeout(watchdog)
      if (stuck) reject(new Error(`a client was still running ${STUCK_AFTER_MS} ms after its ${durationMs} ms run: ${stderr}`))
      else if (code === 0) resolve(JSON.parse(stdout))
      else if (signal) resolve({ killed: signal })
      else reject(new Error(`client exited ${code}: ${stderr}`))
    })
  })
  return { child, done, ready }
}

async function waitFor (condition, what) {
  const deadline = Date.now() + 15000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const TOKEN_OPTIONS = { refreshRatio: 0.1, refreshMarginMs: 0, leaseMs: 1500, storeTimeoutMs: 500 }

test(`${PROCESSES} processes sharing Redis over several token lifetimes exchange at most once per lifetime (+1), and no call fails`, { skip }, async () => {
  const exchangesBefore = env.emu.stats.exchanges
  const startedAt = Date.now()
  const results = await Promise.all(Array.from({ length: PROCESSES }, () => startClient(4 * LIFETIME_MS, TOKEN_OPTIONS).done))
  const lifetimes = Math.ceil((Date.now() - startedAt) / LIFETIME_MS)
  const exchanges = env.emu.stats.exchanges - exchangesBefore
  for (const result of results) {
    assert.deepEqual(result.failures, [])
    assert.ok(result.ok > 0)
  }
  assert.ok(lifetimes >= 4)
  assert.ok(exchanges <= lifetimes + 1, `${exchanges} exchanges in ${lifetimes} token lifetimes`)
})

test('a store without lease keeps working: each process refreshes at its own time, and no call fails', { skip }, async () => {
  const exchangesBefore = env.emu.stats.exchanges
  const results = await Promise.all(Array.from({ length: PROCESSES }, () => startClient(2 * LIFETIME_MS, { ...TOKEN_OPTIONS, withoutLease: true }).done))
  for (const result of results) {
    assert.deepEqual(result.failures, [])
    assert.ok(result.ok > 0)
  }
  assert.ok(env.emu.stats.exchanges > exchangesBefore)
})

test('a lease holder killed in the middle of its exchange is overtaken once the lease ends', { skip }, async () => {
  const exchangesBefore = env.emu.stats.exchanges
  // IMS answers late, so the first process is still waiting for its token when it is killed.
  env.emu.delayTokenRequests(5000)
  const holder = startClient(10000, TOKEN_OPTIONS)
  await waitFor(() => env.emu.stats.exchanges > exchangesBefore, 'the holder\'s exchange')
  holder.child.kill('SIGKILL')
  assert.deepEqual(await holder.done, { killed: 'SIGKILL' })
  env.emu.delayTokenRequests(0)

  const results = await Promise.all(Array.from({ length: PROCESSES - 1 }, () => startClient(1500, TOKEN_OPTIONS).done))
  for (const result of results) {
    assert.deepEqual(result.failures, [])
    assert.ok(result.ok > 0)
  }
  // The dead holder's exchange, and one more by the process that took the lease after it.
  assert.equal(env.emu.stats.exchanges - exchangesBefore, 2)
})

test('Redis stopped mid-run: every process falls back to its own exchange, and no call fails', { skip }, async () => {
  const exchangesBefore = env.emu.stats.exchanges
  const clients = Array.from({ length: PROCESSES }, () => startClient(3 * LIFETIME_MS, TOKEN_OPTIONS))
  // Every client has connected to Redis (a slow machine may take seconds to start 8 processes).
  await Promise.race([Promise.all(clients.map((client) => client.ready)), Promise.all(clients.map((client) => client.done))])
  await new Promise((resolve) => setTimeout(resolve, LIFETIME_MS))
  await redis.stop()
  try {
    const results = await Promise.all(clients.map((client) => client.done))
    for (const result of results) {
      assert.deepEqual(result.failures, [])
      assert.ok(result.ok > 0)
    }
    // Without the store each process refreshes its own token.
    assert.ok(env.emu.stats.exchanges - exchangesBefore >= PROCESSES, 'every process made its own exchange')
  } finally {
    redis = await startRedis()
  }
})
