'use strict'

// Freshness, against the emulator and a real redis-server (skipped without one):
// - the time from an event to every process being fresh: 4 processes of examples/freshness.js
//   share one Redis with answers cached for an hour; a fragment is modified, one signed event is
//   delivered to one process's webhook (in turn), and each process is asked until it serves the
//   new content;
// - origin requests per invalidation, soft against hard: after one batch of events for every
//   note (unchanged in AEM), each process asks for every query once, and what AEM answered is
//   counted;
// - the cost of tagging: the native scan of the benchmark's 35 KB answer, timed in a loop. It runs
//   at the first invalidation that looks at an answer: no request pays for it.

const { setup } = require('../__tests__/helpers')
const { startFreshnessApp } = require('../__tests__/support/freshness-app')
const { num, table, percentile } = require('./lib/report')
const native = require('../binding.js')
const { listAdventures } = require('../emulator/content')

const QUICK = Boolean(process.env.BENCH_QUICK)
const QUICK_NOTE = QUICK ? ' BENCH_QUICK: short runs, not figures to quote.' : ''
const PROCESSES = 4
const ROUNDS = QUICK ? 3 : 20
const SLUGS = 10
const MODEL = '/conf/notes/settings/dam/cfm/models/note'
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function get (app, query) {
  const answer = await fetch(`${app}/query/${query}`)
  if (answer.status !== 200) throw new Error(`${query}: ${answer.status}`)
  return (await answer.json()).data
}

const noteQuery = (i) => `notes/one-${i}`
const notePath = (i) => `/content/dam/notes/en/note-${i}`

/** Milliseconds from the event's delivery until every app serves `expected` for note 0. */
async function untilFresh (apps, expected) {
  const started = performance.now()
  const pending = new Set(apps)
  while (pending.size > 0) {
    for (const app of [...pending]) {
      if ((await get(app, noteQuery(0))).noteByPath.item.title === expected) pending.delete(app)
    }
    if (performance.now() - started > 10000) throw new Error(`${pending.size} processes not fresh after 10 s`)
  }
  return performance.now() - started
}

async function freshness (env, redisUrl) {
  const children = []
  try {
    // Without settle rounds: each figure is of one invalidation (a round would mark the unchanged answers stale again).
    const apps = (await Promise.all(Array.from({ length: PROCESSES }, () => startFreshnessApp(env, redisUrl, children, { settleRetries: 0 })))).map((app) => app.url)
    for (const app of apps) for (let i = 0; i < SLUGS; i++) await get(app, noteQuery(i))
    await get(apps[0], 'notes/all')

    const times = []
    for (let round = 1; round <= ROUNDS; round++) {
      const title = `note 0, v${round + 1}`
      env.emu.addFragments('note', [{ _path: notePath(0), title }])
      const event = env.emu.events.event('aem.sites.contentFragment.modified', { path: notePath(0), model: { id: 'note', path: MODEL } })
      const started = performance.now()
      const delivered = await env.emu.events.deliver(`${apps[round % PROCESSES]}/aem-events`, event)
      if (delivered.status !== 200) throw new Error(`the webhook answered ${delivered.status}`)
      const answeredMs = performance.now() - started
      times.push({ answeredMs, freshMs: answeredMs + await untilFresh(apps, title) })
      await sleep(QUICK ? 100 : 300)
    }

    // Origin requests per invalidation of the model: soft (revalidated: 304s) against hard (refetched).
    const origin = {}
    for (const mode of ['soft', 'hard']) {
      for (const app of apps) for (let i = 0; i < SLUGS; i++) await get(app, noteQuery(i))
      await sleep(200)
      const before = { requests: env.emu.stats.persistedQueries, notModified: env.emu.stats.notModified }
      // Every note's path, unchanged in AEM: what a republish of them all would send.
      const type = mode === 'soft' ? 'aem.sites.contentFragment.published' : 'aem.sites.contentFragment.unpublished'
      const batch = Array.from({ length: SLUGS }, (_, i) => env.emu.events.event(type, { path: notePath(i), model: { id: 'note', path: MODEL } }))
      await env.emu.events.deliver(`${apps[0]}/aem-events`, batch)
      await sleep(500) // every process has heard it
      for (const app of apps) for (let i = 0; i < SLUGS; i++) await get(app, noteQuery(i))
      await sleep(1000) // background revalidations
      origin[mode] = { requests: env.emu.stats.persistedQueries - before.requests, notModified: env.emu.stats.notModified - before.notModified }
    }
    return { times, origin }
  } finally {
    for (const child of children) child.kill()
  }
}

function tagging () {
  const body = JSON.stringify({ data: { adventureList: { items: listAdventures() } } })
  const rounds = QUICK ? 2000 : 20000
  native.measureTagging(body, 'wknd-shared/adventures-all', 100)
  const [nanos, paths, models] = native.measureTagging(body, 'wknd-shared/adventures-all', rounds)
  return { bytes: Buffer.byteLength(body), micros: nanos / 1000, paths, models }
}

async function main () {
  const tags = tagging()
  table('Tagging an answer for invalidations (native, once per answer, at the first invalidation that looks at it)',
    ['answer', 'bytes', '_path values', 'models', 'µs per answer'],
    [['wknd-shared/adventures-all (16 adventures)', num(tags.bytes), num(tags.paths), num(tags.models), num(tags.micros, 2)]],
    [`The scan (\`memmem\` searches for \`"_path"\` and the list fields' endings) runs when an invalidation first looks at an answer; a request, stored or served from the cache, never runs it: the hot path is the one before tagging.${QUICK_NOTE}`])

  const { skipWithoutRedis, startRedis } = require('../__tests__/support/redis-server')
  if (skipWithoutRedis()) {
    console.log('\n(freshness across processes skipped: no redis-server on PATH)')
    return
  }
  const env = await setup()
  const redis = await startRedis()
  try {
    const hour = { 'cache-control': { 'max-age': 3600 }, 'surrogate-control': { 'max-age': 3600 } }
    env.emu.load({
      models: { note: { title: 'String' } },
      fragments: { note: Array.from({ length: SLUGS + 1 }, (_, i) => ({ _path: notePath(i), title: `note ${i}, v1` })) }
    })
    for (let i = 0; i < SLUGS; i++) env.emu.persistQuery(noteQuery(i), `{ noteByPath(_path: "${notePath(i)}") { item { _path title } } }`, hour)
    env.emu.persistQuery('notes/all', '{ noteList { items { _path title } } }', hour)
    const { times, origin } = await freshness(env, redis.url)
    const fresh = times.map((t) => t.freshMs).sort((a, b) => a - b)
    const answered = times.map((t) => t.answeredMs).sort((a, b) => a - b)
    table(`From an event to every process fresh: ${PROCESSES} processes, one Redis, ${ROUNDS} events`,
      ['what', 'p50 ms', 'p90 ms', 'max ms'],
      [['the webhook answers the delivery (signature checked, invalidated here, announced)', num(percentile(answered, 50), 1), num(percentile(answered, 90), 1), num(answered.at(-1), 1)],
        ['every process serves the new content (from the delivery)', num(percentile(fresh, 50), 1), num(percentile(fresh, 90), 1), num(fresh.at(-1), 1)]],
      [`Answers are cached for an hour; the event reaches one process (each in turn), Redis pub/sub the others. A process is asked in turn until it serves the new title: a soft invalidation serves the stale answer once while it is revalidated.${QUICK_NOTE}`])
    table(`Origin requests after one invalidation of ${SLUGS} unchanged answers (one batch of events), each then asked for by ${PROCESSES} processes`,
      ['mode', 'requests to AEM', 'of which 304'],
      ['soft', 'hard'].map((mode) => [mode, num(origin[mode].requests), num(origin[mode].notModified)]),
      [`Soft: each answer is revalidated with its validators, once for all processes (the store's lease), and AEM answers 304 for what did not change. Hard: each answer is fetched again in full (also once, through the store).${QUICK_NOTE}`])
  } finally {
    await redis.stop()
    await env.close()
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
