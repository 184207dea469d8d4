'use strict'

// Persisted-query throughput and latency at concurrency 1, 32 and 256 on the ~36 KB adventures
// answer: ours, Adobe's AEMHeadless, and undici.request + JSON.parse (the Node floor), each in
// a fresh process against a static HTTPS server in a process of its own.

const { startServer } = require('./lib/server')
const { CONTENDERS, measure } = require('./lib/contenders')
const { num, ratio, table } = require('./lib/report')

const QUICK = Boolean(process.env.BENCH_QUICK)
const QUERY = 'wknd-shared/adventures-all'

async function main () {
  const server = await startServer()
  try {
    const size = server.sizes[`/graphql/execute.json/${QUERY}`]
    for (const concurrency of [1, 32, 256]) {
      const total = QUICK ? 500 : concurrency === 1 ? 3000 : 10000
      const results = {}
      for (const [contender] of CONTENDERS) {
        results[contender] = await measure(server, contender, { queryPath: QUERY, total, concurrency, warmUp: Math.min(1000, total / 5) })
      }
      const { ours, adobe, undici } = results
      const rows = CONTENDERS.map(([key, name]) => {
        const r = results[key]
        return [name, num(r.rate), num(r.p50, 2), num(r.p99, 2), num(r.cpuPer1000, 3), num(r.serverBusy * 100) + '%']
      })
      table(`Persisted query (${num(size / 1024, 1)} KB JSON), concurrency ${concurrency}, ${num(total)} calls`,
        ['client', 'calls/s', 'p50 ms', 'p99 ms', 'client CPU s / 1,000 calls', 'server CPU busy'], rows,
        [`Ours: ${ratio(ours.rate, adobe.rate, true)} Adobe's throughput (target ≥ 2×), ${ratio(ours.rate, undici.rate, true)} the undici floor's (target ≥ 1.0×); CPU per call ${(ours.cpuPer1000 / undici.cpuPer1000).toFixed(2)}× undici's (target ≤ 1.0×). The server answers ${num(Math.min(ours.serverCeiling, adobe.serverCeiling, undici.serverCeiling))}+ calls per CPU second (its own ceiling, on one core), so it was busy at most ${num(Math.max(ours.serverBusy, adobe.serverBusy, undici.serverBusy) * 100)}% of a core here. Client and server share the machine's cores.`])
    }
  } finally {
    server.close()
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
