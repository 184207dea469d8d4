'use strict'

// Exchanges per refresh for N processes sharing one token through a real redis-server: each
// process alone, a store with get and set only, and a store with a lease (createRedisStore).
// Tokens live LIFETIME_MS, so a run covers several refreshes. BENCH_BEFORE_MODULE=<path to an
// older checkout> adds that build's row for a store with get and set only (the figure before
// the lease).

const path = require('node:path')
const { execFile } = require('node:child_process')
const { promisify } = require('node:util')
const { createClient } = require('redis')
const { setup } = require('../__tests__/helpers')
const { startRedis } = require('../__tests__/support/redis-server')
const { num, table } = require('./lib/report')

const run = promisify(execFile)
const QUICK = Boolean(process.env.BENCH_QUICK)
const LIFETIME_MS = 3000
const LIFETIMES = QUICK ? 2 : 5
const COUNTS = QUICK ? [4] : [4, 8]
const OURS = path.join(__dirname, '..')
const WORKER = path.join(__dirname, 'lib', 'refresh-worker.js')

async function measure (env, redis, modulePath, mode, processes) {
  const client = createClient({ url: redis.url })
  await client.connect()
  await client.flushAll()
  await client.quit()
  const before = env.emu.stats.exchanges
  const startedAt = Date.now()
  const durationMs = LIFETIMES * LIFETIME_MS
  await Promise.all(Array.from({ length: processes }, () => run(process.execPath, [WORKER, modulePath, redis.url, env.files.credentialsFile, env.files.caFile, String(durationMs), mode])))
  const lifetimes = (Date.now() - startedAt) / LIFETIME_MS
  const exchanges = env.emu.stats.exchanges - before
  // A token is refreshed once 10% of its lifetime is left: one refresh per 0.9 lifetimes, and
  // the first exchange of a cold start.
  const refreshes = Math.floor(lifetimes / 0.9) + 1
  return { exchanges, refreshes, perRefresh: exchanges / refreshes }
}

async function main () {
  const env = await setup({ tokenLifetimeMs: LIFETIME_MS })
  const redis = await startRedis()
  try {
    const contenders = [
      ['each process alone (no store)', OURS, 'none'],
      ['store with get and set only', OURS, 'get-set'],
      ['store with a lease (createRedisStore)', OURS, 'lease']
    ]
    if (process.env.BENCH_BEFORE_MODULE) contenders.splice(1, 0, ['before the lease: store with get and set', path.resolve(process.env.BENCH_BEFORE_MODULE), 'get-set'])
    const rows = []
    for (const processes of COUNTS) {
      for (const [name, modulePath, mode] of contenders) {
        const r = await measure(env, redis, modulePath, mode, processes)
        rows.push([`${processes} processes: ${name}`, num(r.exchanges), num(r.refreshes), num(r.perRefresh, 2)])
      }
    }
    table(`Shared token refresh: IMS exchanges for N processes, tokens of ${LIFETIME_MS / 1000} s over ${LIFETIMES} lifetimes`, ['processes and store', 'IMS exchanges', 'refreshes', 'exchanges per refresh'], rows, [
      'Each process takes a token every 50 ms; refreshes counts one per 0.9 token lifetimes (the refresh comes when 10% is left) plus the cold start. 1.00 exchange per refresh is the floor.'
    ])
  } finally {
    await redis.stop()
    await env.close()
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
