'use strict'

// Persisted-query throughput and latency at concurrency 1, 32 and 256 on the ~36 KB adventures
// answer: ours, ours over globalThis.fetch (transport: 'fetch'), Adobe's AEMHeadless, and
// undici.request + JSON.parse (the Node floor), each in a fresh process against a static HTTPS
// server in a process of its own.

const { startServer } = require('./lib/server')
const { CONTENDERS, measure } = require('./lib/contenders')
const { num, ratio, table } = require('./lib/report')

const QUICK = Boolean(process.env.BENCH_QUICK)
const QUERY = 'wknd-shared/adventures-all'

/** The request benchmarks' contenders, with the fetch transport after the native one. */
const QUERY_CONTENDERS = [CONTENDERS[0], ['ours-fetch', "ours, transport: 'fetch'"], ['fetch', 'globalThis.fetch + json()'], ...CONTENDERS.slice(1)]

/**
 * The timed calls at `concurrency`, and the warm-up before them: enough to open every
 * connection and to let V8 optimise the JavaScript clients' code (short warm-ups flatter ours).
 */
function callCounts (concurrency) {
  if (QUICK) return { total: 1000, warmUp: Math.max(concurrency, 500) }
  return { total: concurrency === 1 ? 10000 : 30000, warmUp: Math.max(concurrency, 3000) }
}

/** Runs every contender at each concurrency, prints a table per concurrency and a summary. */
async function main () {
  const server = await startServer()
  const summary = []
  try {
    const size = server.sizes[`/graphql/execute.json/${QUERY}`]
    for (const concurrency of [1, 32, 256]) {
      const { total, warmUp } = callCounts(concurrency)
      const results = {}
      for (const [contender] of QUERY_CONTENDERS) {
        results[contender] = await measure(server, contender, { queryPath: QUERY, total, concurrency, warmUp })
      }
      const { ours, adobe, undici } = results
      const viaFetch = results['ours-fetch']
      const rows = QUERY_CONTENDERS.map(([key, name]) => {
        const r = results[key]
        return [name, num(r.rate), num(r.p50, 2), num(r.p99, 2), num(r.cpuPer1000, 3), num(r.serverBusy * 100) + '%']
      })
      const ceiling = Math.min(ours.serverCeiling, adobe.serverCeiling, undici.serverCeiling)
      table(`Persisted query (${num(size / 1024, 1)} KB JSON), concurrency ${concurrency}, ${num(total)} calls`,
        ['client', 'calls/s', 'p50 ms', 'p99 ms', 'client CPU s / 1,000 calls', 'server CPU busy'], rows,
        [`Ours: ${ratio(ours.rate, adobe.rate, true)} Adobe's throughput (target ≥ 2×), ${ratio(ours.rate, undici.rate, true)} the undici floor's (target ≥ 1.0×); CPU per call ${(ours.cpuPer1000 / undici.cpuPer1000).toFixed(2)}× undici's (target ≤ 1.0×). Over globalThis.fetch: ${ratio(viaFetch.rate, adobe.rate, true)} Adobe's throughput (target ≥ 1.0×), CPU per call ${(viaFetch.cpuPer1000 / adobe.cpuPer1000).toFixed(2)}× Adobe's. The server answers ${num(ceiling)}+ calls per CPU second (its own ceiling, on one core), so it was busy at most ${num(Math.max(ours.serverBusy, adobe.serverBusy, undici.serverBusy) * 100)}% of a core here. Client and server share the machine's cores.`])
      summary.push([String(concurrency), ratio(ours.rate, adobe.rate, true), ratio(ours.rate, undici.rate, true), (ours.cpuPer1000 / undici.cpuPer1000).toFixed(2) + '×', ratio(viaFetch.rate, adobe.rate, true), num(ceiling)])
    }
    table('Persisted query: summary', ['concurrency', "ours ÷ Adobe's calls/s", "ours ÷ undici's calls/s", "ours ÷ undici's CPU per call", "ours over fetch ÷ Adobe's calls/s", 'server ceiling, calls per CPU s'], summary,
      [`Targets: ≥ 2× Adobe's throughput, ≥ 1.0× the undici floor's, CPU per call ≤ 1.0× undici's; over globalThis.fetch, ≥ 1.0× Adobe's throughput. Client CPU is process.cpuUsage() of the client process over the timed calls only, so it counts every thread (ours does its HTTP and TLS on Rust threads); every timed call reached the server (its own count is checked).${QUICK ? ' BENCH_QUICK: short runs and warm-ups, a smoke test, not figures to quote (V8 has not finished optimising the JavaScript clients).' : ''}`])
  } finally {
    server.close()
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
