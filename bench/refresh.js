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

/** IMS exchanges made by `processes` workers of `modulePath` sharing the store as `mode` says. */
async function exchangesOf (env, redis, modulePath, mode, processes) {
  const client = createClient({ url: redis.url })
  await client.connect()
  await client.flushAll()
  await client.quit()
  const before = env.emu.stats.exchanges
  const durationMs = LIFETIMES * LIFETIME_MS
  await Promise.all(Array.from({ length: processes }, () => run(process.execPath, [WORKER, modulePath, redis.url, env.files.credentialsFile, env.files.caFile, String(durationMs), mode])))
  return env.emu.stats.exchanges - before
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
    if (process.env.BENCH_BEFORE_MODULE) contenders.splice(1, 0, ['the older build: store with get and set only', path.resolve(process.env.BENCH_BEFORE_MODULE), 'get-set'])
    const rows = []
    for (const processes of COUNTS) {
      // Processes that share nothing each exchange once per refresh: that gives the refreshes.
      let refreshes
      for (const [name, modulePath, mode] of contenders) {
        const exchanges = await exchangesOf(env, redis, modulePath, mode, processes)
        if (mode === 'none') refreshes = Math.max(1, Math.round(exchanges / processes))
        rows.push([`${processes} processes: ${name}`, num(exchanges), num(refreshes), num(exchanges / refreshes, 2)])
      }
    }
    table(`Shared token refresh: IMS exchanges for N processes, tokens of ${LIFETIME_MS / 1000} s over ${LIFETIMES} lifetimes`, ['processes and store', 'IMS exchanges', 'refreshes', 'exchanges per refresh'], rows, [
      'Each process takes a token every 50 ms. Refreshes are the exchanges one process makes on its own (the first row of each group, divided by N), the cold start included; 1.00 exchange per refresh is the floor, N the most.'
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
