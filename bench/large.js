'use strict'

// Large answers: time from request to JS object for 1 MB and 10 MB of JSON, calls one after
// another, ours against undici.request + JSON.parse (the Node floor) and Adobe's client.

const { startServer } = require('./lib/server')
const { CONTENDERS, measure } = require('./lib/contenders')
const { num, ratio, table } = require('./lib/report')

const QUICK = Boolean(process.env.BENCH_QUICK)

/** Each size in turn: every contender's time to a JS object, calls one after another. */
async function main () {
  const server = await startServer()
  try {
    for (const [name, total] of [['large-1mb', QUICK ? 20 : 300], ['large-10mb', QUICK ? 5 : 60]]) {
      const queryPath = `bench/${name}`
      const size = server.sizes[`/graphql/execute.json/${queryPath}`]
      const results = {}
      for (const [contender] of CONTENDERS) {
        results[contender] = await measure(server, contender, { queryPath, total, concurrency: 1, warmUp: Math.max(3, total / 10) })
      }
      const { ours, undici } = results
      const rows = CONTENDERS.map(([key, label]) => {
        const r = results[key]
        return [label, num(r.p50, 2), num(r.p90, 2), num(r.cpuPer1000, 1), key === 'ours' ? '1.00×' : ratio(ours.p50, r.p50, false)]
      })
      table(`Large answer: ${num(size / 1048576, 1)} MiB of JSON to a JS object, ${total} calls one after another`,
        ['client', 'p50 ms', 'p90 ms', 'client CPU s / 1,000 calls', 'ours faster by'], rows,
        [`Ours takes ${(ours.p50 / undici.p50).toFixed(2)}× the undici floor's median time. The body arrives in Rust, is checked there (status, JSON, GraphQL errors) and crosses to JavaScript as one string for V8's JSON.parse.${QUICK ? ' BENCH_QUICK: a few calls, a smoke test, not figures to quote.' : ''}`])
    }
  } finally {
    server.close()
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
