'use strict'

// The response cache shared by processes through a real redis-server: 4 processes, each with
// its own token from the same credentials, make one origin request per freshness lifetime
// between them (one process at a time, by the store's lease); without the store each makes its
// own. A store that is down costs nothing but the sharing.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { execFile } = require('node:child_process')
const { promisify } = require('node:util')
const { setup } = require('./helpers')
const { startRedis, skipWithoutRedis } = require('./support/redis-server')
const { AEMHeadless } = require('..')

const run = promisify(execFile)
const CLIENT = path.join(__dirname, 'support', 'cache-client.js')
const PROCESSES = 4
const LIFETIME_S = 1
const DURATION_MS = 5000

const skip = skipWithoutRedis()
let env
let redis

before(async () => {
  env = await setup()
  if (!skip) redis = await startRedis()
  // A query whose answers are fresh for 1 s, persisted as AEM persists one with its cache-control.
  const admin = new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.issueToken(), ca: env.emu.caPem })
  await admin.persistQuery(JSON.stringify({ query: '{ adventureList { items { title } } }', 'cache-control': { 'max-age': LIFETIME_S } }), 'shared/short-lived')
})
after(async () => {
  if (redis) await redis.stop()
  await env.close()
})

/** Runs the processes at once; resolves with the origin requests they made between them. */
async function originRequests (mode) {
  env.emu.clearRequests()
  const args = [CLIENT, redis.url, env.emu.url, env.files.credentialsFile, env.files.caFile, 'shared/short-lived', String(DURATION_MS)]
  if (mode) args.push(mode)
  const outputs = await Promise.all(Array.from({ length: PROCESSES }, () => run(process.execPath, args, { timeout: DURATION_MS + 60000 })))
  for (const { stdout } of outputs) {
    const { ok, failures } = JSON.parse(stdout)
    assert.deepEqual(failures, [])
    assert.ok(ok > 10)
  }
  return env.emu.requests.filter((r) => r.url.startsWith('/graphql/execute.json/shared/short-lived')).length
}

test('4 processes sharing the cache through Redis make one origin request per freshness lifetime', { skip }, async (t) => {
  const lifetimes = Math.ceil(DURATION_MS / (LIFETIME_S * 1000))
  const shared = await originRequests()
  // One per lifetime, and the first lifetime's one; a process that starts late may ask once more.
  // Fewer would mean that nobody revalidates.
  assert.ok(shared >= lifetimes - 1 && shared <= lifetimes + 2, `${shared} origin requests for ${lifetimes} lifetimes`)
  const local = await originRequests('local')
  t.diagnostic(`origin requests in ${DURATION_MS} ms: ${shared} with the store, ${local} without`)
  assert.ok(local >= PROCESSES * (lifetimes - 1), `without the store, each process asks on its own: ${local}`)
})

test('a store that is down or answers nonsense is bypassed: calls pass, from AEM', async () => {
  const down = { get: () => new Promise(() => {}), set: () => Promise.reject(new Error('down')), lease: () => { throw new Error('down') } }
  const nonsense = { get: async () => '{"v":1,"body":', set: async () => {} }
  for (const store of [down, nonsense]) {
    const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.issueToken(), ca: env.emu.caPem, cache: { store, storeTimeoutMs: 50 } })
    const result = await aem.runPersistedQuery('wknd-shared/adventures-all')
    assert.equal(result.data.adventureList.items.length, 16)
  }
})

test('no token or header value goes into the store: keys are digests, values hold the body and its validators', async () => {
  const written = new Map()
  const store = { get: async (key) => written.get(key), set: async (key, value) => { written.set(key, value) } }
  const token = env.emu.issueToken()
  const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: token, ca: env.emu.caPem, headers: { 'x-app-secret': 'HEADER-SECRET-VALUE' }, cache: { store } })
  await aem.runPersistedQuery('wknd-shared/adventures-all')
  assert.equal(written.size, 1)
  const [[key, value]] = written
  assert.match(key, /^aem-headless-rs:response:[\w-]{43}$/)
  for (const secret of [token, 'HEADER-SECRET-VALUE']) assert.ok(!key.includes(secret) && !value.includes(secret))
  const entry = JSON.parse(value)
  assert.equal(entry.v, 1)
  assert.equal(JSON.parse(entry.body).data.adventureList.items.length, 16)
  // Another client with the same credentials reads it from the store: no request to AEM.
  env.emu.clearRequests()
  const other = new AEMHeadless({ serviceURL: env.emu.url, auth: token, ca: env.emu.caPem, headers: { 'x-app-secret': 'HEADER-SECRET-VALUE' }, cache: { store } })
  await other.runPersistedQuery('wknd-shared/adventures-all')
  assert.equal(env.emu.requests.length, 0)
})
