'use strict'

// One contender of bench/cache.js, in its own process (Adobe's client reads
// NODE_EXTRA_CA_CERTS at start): `total` calls of the adventures query, `concurrency` workers
// in a closed loop, after a warm-up. Prints {rate, p50, p99} as JSON.
//
//   node cache-worker.js ours|adobe plain|cache|coalesce|both SERVICE_URL TOKEN TOTAL CONCURRENCY

const { percentile } = require('./report')
const { closedLoop } = require('./closed-loop')

const [contender, mode, serviceURL, auth, totalText, concurrencyText] = process.argv.slice(2)
const total = Number(totalText)
const concurrency = Number(concurrencyText)
const QUERY = 'wknd-shared/adventures-all'

function client () {
  if (contender === 'adobe') {
    const { AEMHeadless } = require('@adobe/aem-headless-client-nodejs')
    return new AEMHeadless({ serviceURL, auth })
  }
  const AEMHeadless = require('../..')
  return new AEMHeadless({ serviceURL, auth, cache: mode === 'cache' || mode === 'both', coalesce: mode === 'coalesce' || mode === 'both' })
}

/** `count` calls of the adventures query with `variables`; the latency of each in ms. */
function run (aem, count, workers, variables = {}) {
  return closedLoop(() => aem.runPersistedQuery(QUERY, variables), count, workers)
}

async function main () {
  const aem = client()
  // The warm-up asks for another URL, so the timed part starts with an empty cache.
  await run(aem, Math.min(200, total), concurrency, { warmUp: 1 })
  const start = process.hrtime.bigint()
  const latencies = await run(aem, total, concurrency)
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  latencies.sort()
  process.stdout.write(JSON.stringify({ rate: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) }))
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
