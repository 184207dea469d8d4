'use strict'

// The core against the Node floor, in paired rounds: the persisted query (35 KB answer) at
// concurrency 1, 32 and 256, large answers (1 MiB and 10 MiB) one at a time, and an answer from
// the response cache, each contender in a fresh process against the same static HTTPS server.
// One run's CPU per call moves by ±10% on a shared 2-core machine, more than some differences
// sought; so each round runs the contenders of a row back to back (in turns, so that neither
// always goes first), each figure is the median of the rounds' paired ratios, and the quartiles
// of those ratios show the spread. BENCH_ROUNDS sets the rounds (default 7; BENCH_QUICK: 1).

const { startServer } = require('./lib/server')
const { measure } = require('./lib/contenders')
const { num, table } = require('./lib/report')

const QUICK = Boolean(process.env.BENCH_QUICK)
const ROUNDS = QUICK ? 1 : Number(process.env.BENCH_ROUNDS) || 7

/**
 * The rows: what is measured, the contenders (ours first, then what it is compared with) and
 * the targets, as the limits of ours ÷ each other contender.
 */
const ROWS = [
  ...[1, 32, 256].map((concurrency) => ({
    name: `persisted query, concurrency ${concurrency}`,
    queryPath: 'wknd-shared/adventures-all',
    concurrency,
    total: QUICK ? 600 : concurrency === 1 ? 5000 : 12000,
    warmUp: QUICK ? 300 : 3000,
    contenders: ['ours', 'undici'],
    targets: concurrency === 1 ? { rate: 1.1, p50: 0.9 } : { cpu: 0.6, rate: 1.5 }
  })),
  ...[['large-1mb', 1, QUICK ? 10 : 200], ['large-10mb', 10, QUICK ? 4 : 40]].map(([path, mib, total]) => ({
    name: `large answer, ${mib} MiB, one at a time`,
    queryPath: `bench/${path}`,
    concurrency: 1,
    total,
    warmUp: Math.max(3, total / 10),
    contenders: ['ours', 'undici'],
    targets: { cpu: 1, p50: 1 }
  })),
  ...[1, 32].map((concurrency) => ({
    name: `cache hit, concurrency ${concurrency}`,
    queryPath: 'bench/adventures-publish',
    concurrency,
    total: QUICK ? 1000 : 20000,
    warmUp: QUICK ? 300 : 3000,
    contenders: ['ours-cache', 'undici-cache', 'map'],
    served: 0,
    targets: { cpu: [1, 2], rate: [1, 0.5] }
  }))
]

const LABELS = {
  ours: 'ours',
  undici: 'undici.request + JSON.parse (floor)',
  'ours-cache': 'ours, cache: true',
  'undici-cache': "undici's cache interceptor + JSON.parse",
  map: 'Map.get + JSON.parse (floor)'
}

/** The value at fraction `q` of the sorted values (0.5: the median). */
const quantile = (values, q) => values.slice().sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * q))]
const median = (values) => quantile(values, 0.5)

/** The median of paired ratios, with their quartiles when there are rounds enough. */
function paired (ratios) {
  const [low, mid, high] = [0.25, 0.5, 0.75].map((q) => quantile(ratios, q).toFixed(2))
  return ratios.length >= 4 ? `${mid}× (${low}–${high})` : `${mid}×`
}

/** Whether `ratio` meets `limit` (at most it for costs, at least it for rates). */
const meets = (metric, ratio, limit) => (metric === 'rate' ? ratio >= limit : ratio <= limit)

async function main () {
  const server = await startServer()
  const runs = ROWS.map((row) => Object.fromEntries(row.contenders.map((c) => [c, []])))
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [index, row] of ROWS.entries()) {
        const order = round % 2 === 0 ? row.contenders : [...row.contenders].reverse()
        for (const contender of order) {
          runs[index][contender].push(await measure(server, contender, { ...row, served: row.served ?? row.total }))
        }
      }
    }
  } finally {
    server.close()
  }
  const rows = []
  const verdicts = []
  for (const [index, row] of ROWS.entries()) {
    const results = runs[index]
    const [ours, ...others] = row.contenders
    for (const contender of row.contenders) {
      const r = results[contender]
      const cells = [row.name, LABELS[contender], num(median(r.map((x) => x.rate))), num(median(r.map((x) => x.p50)), 3), num(median(r.map((x) => x.cpuPer1000 * 1000)), 1)]
      if (contender === ours) {
        rows.push([...cells, '', '', ''])
        continue
      }
      const ratio = (metric) => r.map((theirs, i) => {
        const mine = results[ours][i]
        return metric === 'cpu' ? mine.cpuPer1000 / theirs.cpuPer1000 : metric === 'rate' ? mine.rate / theirs.rate : mine.p50 / theirs.p50
      })
      const figures = { cpu: ratio('cpu'), rate: ratio('rate'), p50: ratio('p50') }
      rows.push([...cells, paired(figures.cpu), paired(figures.rate), paired(figures.p50)])
      const k = others.indexOf(contender)
      for (const [metric, limits] of Object.entries(row.targets)) {
        const limit = Array.isArray(limits) ? limits[k] : limits
        if (limit === undefined) continue
        const value = median(figures[metric])
        verdicts.push(`${row.name}, ${metric === 'cpu' ? 'client CPU per call' : metric === 'rate' ? 'calls/s' : 'p50 latency'} against ${LABELS[contender]}: ${value.toFixed(2)}× (target ${metric === 'rate' ? '≥' : '≤'} ${limit}×) ${meets(metric, value, limit) ? 'met' : 'missed'}`)
      }
    }
  }
  table(`The core against the Node floor: ${ROUNDS} paired round(s), a fresh process per contender and round`,
    ['what', 'client', 'calls/s', 'p50 ms', 'client CPU µs per call', 'ours ÷ it: CPU per call', 'ours ÷ it: calls/s', 'ours ÷ it: p50'], rows,
    [`Medians over the rounds; the ratios are the medians of each round's ours ÷ it, with their quartiles in brackets. Client CPU is process.cpuUsage() of the client's process over the timed calls, every thread counted. Cache hits: the answer carries AEM's Publish defaults (max-age=60, s-maxage=7200, …), which undici's shared cache may store for a request with Authorization; after the warm-up no timed call reaches the server (checked).${QUICK ? ' BENCH_QUICK: one short round, a smoke test, not figures to quote.' : ''}`,
      verdicts.map((line) => `- ${line}`).join('\n')])
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
