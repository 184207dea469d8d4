'use strict'

// Memory: RSS of one client process through 10,000 and 100,000 calls of the adventures query
// (32 at a time): ours must not grow; and the same run with Adobe's client and with undici,
// for their RSS and peak.

const { startServer } = require('./lib/server')
const { CONTENDERS, measure } = require('./lib/contenders')
const { num, table } = require('./lib/report')

const QUICK = Boolean(process.env.BENCH_QUICK)
const QUERY = 'wknd-shared/adventures-all'
const MB = 1024 * 1024

/** `to` against `from` as a signed percentage, e.g. `+1.2%`. */
function change (from, to) {
  const percent = ((to - from) / from) * 100
  return `${percent >= 0 ? '+' : ''}${percent.toFixed(1)}%`
}

/** The same run for every contender: our RSS through it, then everyone's RSS and peak. */
async function main () {
  const server = await startServer()
  try {
    const [first, total] = QUICK ? [1000, 5000] : [10000, 100000]
    const options = { queryPath: QUERY, total, concurrency: 32, warmUp: 2000, checkpoints: [first, total], nodeArgs: ['--expose-gc'] }
    const rss = {}
    for (const [contender] of CONTENDERS) rss[contender] = (await measure(server, contender, options)).rss

    const { afterWarmUp, at, end, peak } = rss.ours
    table(`Memory: RSS of our client through ${num(total)} calls, 32 at a time`,
      ['after', 'RSS MiB', 'change from warm-up'],
      [
        ['warm-up (2,000 calls)', num(afterWarmUp / MB, 1), ''],
        [`${num(first)} calls`, num(at[first] / MB, 1), change(afterWarmUp, at[first])],
        [`${num(total)} calls`, num(at[total] / MB, 1), change(afterWarmUp, at[total])],
        ['the end', num(end / MB, 1), change(afterWarmUp, end)],
        ['peak (high-water mark)', num(peak / MB, 1), change(afterWarmUp, peak)]
      ],
      [`From ${num(first)} to ${num(total)} calls RSS changed by ${change(at[first], at[total])} (it must not grow). Every figure but the peak is taken right after a full GC (the client runs with --expose-gc).`])

    const rows = CONTENDERS.map(([key, label]) => {
      const r = rss[key]
      return [label, num(r.afterWarmUp / MB, 1), num(r.at[first] / MB, 1), num(r.at[total] / MB, 1), change(r.at[first], r.at[total]), num(r.peak / MB, 1), `${(r.peak / rss.ours.peak).toFixed(2)}×`]
    })
    table(`Memory: every client through the same ${num(total)} calls, 32 at a time`,
      ['client', 'after warm-up MiB', `${num(first)} calls MiB`, `${num(total)} calls MiB`, 'growth', 'peak MiB', 'peak ÷ ours'], rows,
      [`Ours peaks at ${(rss.ours.peak / rss.adobe.peak).toFixed(2)}× Adobe's peak RSS and ${(rss.ours.peak / rss.undici.peak).toFixed(2)}× undici's. Peak RSS is the kernel's high-water mark of the client process (getrusage maxrss), startup and warm-up included; the other figures follow a full GC.`])
  } finally {
    server.close()
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
