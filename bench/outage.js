'use strict'

// AEM down under a steady load, against the emulator with AEM's own cache headers:
// - failed calls during an outage (connections refused, then 503s, then a hanging AEM), for a
//   cached query whose answers carry stale-if-error, and for the same answers without it (as
//   every answer was served before this cache followed stale-if-error);
// - origin requests per minute of 4 processes, each with its own cache, and sharing one through
//   Redis (skipped without redis-server);
// - the latency of calls on an entry that goes stale every second, from an AEM that takes
//   300 ms to answer: with stale-while-revalidate, and without it (as before).

const path = require('node:path')
const { execFile } = require('node:child_process')
const { promisify } = require('node:util')
const { setup } = require('../__tests__/helpers')
const { num, table, percentile } = require('./lib/report')
const { AEMHeadless } = require('..')

const QUICK = Boolean(process.env.BENCH_QUICK)
const run = promisify(execFile)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const OUTAGE_MS = QUICK ? 6000 : 60000
const CALLS_PER_S = 20

/** Calls `call` CALLS_PER_S times a second until `until()`; resolves with {ok, failed, latencies}. */
async function steady (call, until) {
  const result = { ok: 0, failed: 0, latencies: [] }
  const pending = []
  while (!until()) {
    const started = performance.now()
    pending.push(call().then(() => { result.ok++ }, () => { result.failed++ }).finally(() => { result.latencies.push(performance.now() - started) }))
    await sleep(1000 / CALLS_PER_S)
  }
  await Promise.all(pending)
  return result
}

/** Failed calls of a cached query during an outage of each kind, with and without stale-if-error. */
async function failedCalls () {
  const rows = []
  for (const [label, surrogateControl] of [['answers with stale-if-error (AEM\'s headers)', true], ['answers without it (max-age only)', false]]) {
    const env = await setup({ surrogateControl })
    try {
      const token = env.emu.issueToken()
      const admin = new AEMHeadless({ serviceURL: env.emu.url, auth: token, ca: env.emu.caPem })
      // Fresh for 2 s; stale-if-error for a day, in Surrogate-Control as AEM sends it.
      await admin.persistQuery(JSON.stringify({ query: '{ adventureList { items { title } } }', 'cache-control': { 'max-age': 2 }, 'surrogate-control': { 'max-age': 7200, 'stale-if-error': 86400 } }), 'bench/outage')
      const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: token, ca: env.emu.caPem, cache: true, timeout: 2000, retries: { maxRetries: 1 } })
      await aem.runPersistedQuery('bench/outage')
      await sleep(2100) // the entry is stale when AEM goes down
      const counts = {}
      for (const mode of ['refuse', '503', 'hang']) {
        await env.emu.setAemOutage(mode)
        const ends = Date.now() + OUTAGE_MS / 3
        counts[mode] = await steady(() => aem.runPersistedQuery('bench/outage'), () => Date.now() >= ends)
      }
      await env.emu.setAemOutage(null)
      const total = Object.values(counts).reduce((sum, c) => sum + c.ok + c.failed, 0)
      const failed = Object.values(counts).reduce((sum, c) => sum + c.failed, 0)
      rows.push([label, num(total), num(counts.refuse.failed), num(counts['503'].failed), num(counts.hang.failed), num(failed), `${num(100 * failed / total, 1)} %`])
    } finally {
      await env.close()
    }
  }
  table(`AEM down for ${OUTAGE_MS / 1000} s under ${CALLS_PER_S} calls/s of a cached query (max-age 2 s): failed calls`,
    ['answers', 'calls', 'refused', '503', 'hanging', 'failed', 'share'], rows,
    ['A third of the outage each: connections refused, then every answer a 503, then no answer (the client\'s timeout is 2 s, one retry). Inside stale-if-error the stale entry answers every failure; without it every call past max-age fails.'])
}

/** Origin requests per minute of 4 processes, with their own caches and sharing one through Redis. */
async function originRequests () {
  const { startRedis } = require('../__tests__/support/redis-server')
  let redis
  try {
    redis = await startRedis()
  } catch (error) {
    console.log(`\n### 4 processes, their own caches or one shared through Redis\n\nskipped: ${error.message}`)
    return
  }
  const env = await setup()
  try {
    const token = env.emu.issueToken()
    const admin = new AEMHeadless({ serviceURL: env.emu.url, auth: token, ca: env.emu.caPem })
    await admin.persistQuery(JSON.stringify({ query: '{ adventureList { items { title } } }', 'cache-control': { 'max-age': 1 } }), 'bench/shared')
    const durationMs = QUICK ? 4000 : 30000
    const rows = []
    for (const [label, mode] of [['own caches', 'local'], ['one cache shared through Redis', 'shared']]) {
      env.emu.clearRequests()
      const args = [path.join(__dirname, 'lib', 'outage-worker.js'), env.emu.url, token, 'bench/shared', String(durationMs), String(CALLS_PER_S), redis.url]
      if (mode === 'local') args.push('local')
      const outputs = await Promise.all(Array.from({ length: 4 }, () => run(process.execPath, args, { env: { ...process.env, NODE_EXTRA_CA_CERTS: env.files.caFile } })))
      const calls = outputs.map(({ stdout }) => JSON.parse(stdout)).reduce((sum, r) => sum + r.ok + r.failed, 0)
      const origin = env.emu.requests.filter((r) => r.url.startsWith('/graphql/execute.json/bench/shared')).length
      rows.push([label, num(calls), num(origin), num(origin * 60000 / durationMs)])
    }
    table(`4 processes, ${CALLS_PER_S} calls/s each for ${durationMs / 1000} s, a query fresh for 1 s (with AEM's stale-while-revalidate)`,
      ['caches', 'calls', 'origin requests', 'per minute'], rows,
      ['Shared, the processes take each other\'s answers from Redis and revalidate under its lease, one process at a time: about one origin request per freshness lifetime between them, instead of one per process.'])
  } finally {
    await env.close()
    await redis.stop()
  }
}

/** Latency on an entry that goes stale every second, from an AEM that answers in 300 ms. */
async function staleLatency () {
  const env = await setup()
  try {
    const token = env.emu.issueToken()
    const durationMs = QUICK ? 3000 : 20000
    const rows = []
    for (const [label, cc] of [['with stale-while-revalidate', 'max-age=1, stale-while-revalidate=30'], ['without (max-age only)', 'max-age=1']]) {
      const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: token, ca: env.emu.caPem, cache: true })
      const call = () => aem.runPersistedQuery('test/cache-control', { cc, delay: 300, etag: 'fixed' })
      await call()
      const ends = Date.now() + durationMs
      const { latencies } = await steady(call, () => Date.now() >= ends)
      latencies.sort((a, b) => a - b)
      rows.push([label, num(latencies.length), num(percentile(latencies, 50), 2), num(percentile(latencies, 99), 2), num(latencies[latencies.length - 1], 2)])
    }
    table(`Latency of ${CALLS_PER_S} calls/s on an entry fresh for 1 s, AEM answering in 300 ms`,
      ['answers', 'calls', 'p50 ms', 'p99 ms', 'max ms'], rows,
      ['Without stale-while-revalidate, the call that finds the entry stale waits for AEM (a 304 here: the ETag matches). With it, that call is answered from the stale entry and one revalidation runs behind it.'])
  } finally {
    await env.close()
  }
}

async function main () {
  await failedCalls()
  await originRequests()
  await staleLatency()
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
