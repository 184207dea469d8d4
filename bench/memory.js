'use strict'

// Memory: RSS of one client process through 10,000 and 100,000 calls of the adventures query
// (32 at a time): ours must not grow; and the peak RSS of a run of the same shape with Adobe's
// client and with undici.

const { startServer } = require('./lib/server')
const { CONTENDERS, measure } = require('./lib/contenders')
const { num, ratio, table } = require('./lib/report')

const QUICK = Boolean(process.env.BENCH_QUICK)
const QUERY = 'wknd-shared/adventures-all'
const MB = 1024 * 1024

async function main () {
  const server = await startServer()
  try {
    const [first, total] = QUICK ? [1000, 5000] : [10000, 100000]
    const options = { queryPath: QUERY, concurrency: 32, warmUp: 2000, checkpoints: [first, total], nodeArgs: ['--expose-gc'] }
    const ours = await measure(server, 'ours', { ...options, total })
    const growth = (ours.rss.at[total] - ours.rss.at[first]) / ours.rss.at[first]
    table(`Memory: RSS of our client through ${num(total)} calls, 32 at a time`,
      ['after', 'RSS MiB'],
      [['warm-up (2,000 calls), after GC', num(ours.rss.afterWarmUp / MB, 1)], [`${num(first)} calls`, num(ours.rss.at[first] / MB, 1)], [`${num(total)} calls`, num(ours.rss.at[total] / MB, 1)], ['the end, after GC', num(ours.rss.end / MB, 1)], ['peak', num(ours.rss.peak / MB, 1)]],
      [`From ${num(first)} to ${num(total)} calls RSS changed by ${(growth * 100).toFixed(1)}% (it must not grow).`])

    const peakTotal = QUICK ? 2000 : 20000
    const rows = []
    const peaks = {}
    for (const [contender, label] of CONTENDERS) {
      const r = await measure(server, contender, { ...options, total: peakTotal, checkpoints: [] })
      peaks[contender] = r.rss.peak
      rows.push([label, num(r.rss.afterWarmUp / MB, 1), num(r.rss.peak / MB, 1)])
    }
    table(`Memory: peak RSS over ${num(peakTotal)} calls, 32 at a time`,
      ['client', 'RSS after warm-up MiB', 'peak RSS MiB'], rows,
      [`Ours peaks at ${ratio(peaks.ours, peaks.adobe, false)} less than Adobe's (${(peaks.ours / peaks.adobe).toFixed(2)}× its peak) and ${(peaks.ours / peaks.undici).toFixed(2)}× undici's. RSS is sampled every 50 ms.`])
  } finally {
    server.close()
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
