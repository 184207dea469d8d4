'use strict'

// One contender of the request benchmarks, in its own process (Adobe's client reads
// NODE_EXTRA_CA_CERTS at start): `total` GETs of one persisted query by `concurrency` workers
// in a closed loop, after `warmUp` more. Prints {seconds, cpuSeconds, latencies, rss, server} as JSON;
// `cpuSeconds` is this process's user + system CPU over the timed part only, `server` the
// server's CPU seconds and answers over the same part, and `rss` the resident set sizes
// after the warm-up and at each `checkpoints` count (after a GC with --expose-gc), and the
// peak: the kernel's high-water mark of the process (startup and warm-up included).
//
//   node query-worker.js CONTENDER SERVICE_URL QUERY_PATH TOTAL CONCURRENCY WARM_UP [CHECKPOINTS]
//
// Contenders: ours, ours-fetch (transport: 'fetch'), ours:PATH (the package at PATH), adobe,
// undici (undici.request + JSON.parse), fetch (globalThis.fetch + json()); and answers from a
// cache: ours-cache (ours with `cache: true`), undici-cache (undici's RFC 9111 cache
// interceptor in front of undici.request, + JSON.parse), map (the floor: the answer's text in a
// Map, JSON.parse of it in an async function).

const [contender, serviceURL, queryPath, totalText, concurrencyText, warmUpText, checkpointsText] = process.argv.slice(2)
const total = Number(totalText)
const concurrency = Number(concurrencyText)
const checkpoints = new Set((checkpointsText || '').split(',').filter(Boolean).map(Number))
const TOKEN = 'bench-token'
const { closedLoop: run } = require('./closed-loop')

/** A function that runs the query once and resolves with the parsed JSON. */
function contenderCall () {
  if (contender === 'undici' || contender === 'undici-cache') {
    const { Agent, interceptors, request } = require('undici')
    const agent = new Agent({ connections: concurrency, pipelining: 1 })
    const dispatcher = contender === 'undici-cache' ? agent.compose(interceptors.cache()) : agent
    const url = `${serviceURL}/graphql/execute.json/${queryPath}`
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }
    return async () => {
      const { statusCode, body } = await request(url, { dispatcher, headers })
      const json = JSON.parse(await body.text())
      if (statusCode !== 200) throw new Error(`HTTP ${statusCode}`)
      return json
    }
  }
  if (contender === 'map') {
    const url = `${serviceURL}/graphql/execute.json/${queryPath}`
    const texts = new Map()
    return async () => {
      let text = texts.get(url)
      if (text === undefined) {
        const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })
        text = await response.text()
        texts.set(url, text)
      }
      return JSON.parse(text)
    }
  }
  if (contender === 'fetch') {
    const url = `${serviceURL}/graphql/execute.json/${queryPath}`
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }
    return async () => {
      const response = await fetch(url, { headers })
      const json = await response.json()
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`)
      return json
    }
  }
  // ours:PATH: the package built from another commit (bench/regression.js).
  const ours = contender.startsWith('ours:') ? contender.slice('ours:'.length) : '../..'
  const { AEMHeadless } = contender === 'adobe' ? require('@adobe/aem-headless-client-nodejs') : require(ours)
  // ours-fetch: the package over globalThis.fetch, as an app's tests run it (transport: 'fetch').
  const aem = new AEMHeadless({ serviceURL, auth: TOKEN, ...(contender === 'ours-fetch' ? { transport: 'fetch' } : {}), ...(contender === 'ours-cache' ? { cache: true } : {}) })
  return () => aem.runPersistedQuery(queryPath)
}

/** The server's `/_stats`: its CPU seconds so far and how many answers it sent. */
function serverStats () {
  const https = require('node:https')
  return new Promise((resolve, reject) => {
    https.get(`${serviceURL}/_stats`, { agent: false }, (response) => {
      let text = ''
      response.on('data', (chunk) => { text += chunk })
      response.on('end', () => {
        const { cpu, served } = JSON.parse(text)
        resolve({ cpuSeconds: (cpu.user + cpu.system) / 1e6, served })
      })
    }).on('error', reject)
  })
}

/** The resident set size now, after a full GC when the process runs with --expose-gc. */
function rssNow () {
  if (global.gc) global.gc()
  return process.memoryUsage.rss()
}

/** Warm-up, then the timed calls; prints what was measured as JSON on stdout. */
async function main () {
  const call = contenderCall()
  await run(call, Number(warmUpText), concurrency)
  const rss = { afterWarmUp: rssNow(), at: {} }
  const serverBefore = await serverStats()
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  const latencies = await run(call, total, concurrency, (done) => {
    if (checkpoints.has(done)) rss.at[done] = rssNow()
  })
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  const used = process.cpuUsage(cpu)
  rss.peak = process.resourceUsage().maxRSS * 1024
  const serverAfter = await serverStats()
  rss.end = rssNow()
  const server = { cpuSeconds: serverAfter.cpuSeconds - serverBefore.cpuSeconds, served: serverAfter.served - serverBefore.served }
  const result = JSON.stringify({ seconds, cpuSeconds: (used.user + used.system) / 1e6, latencies: Array.from(latencies), rss, server })
  // Writes to a pipe are asynchronous: exit (open keep-alive connections would keep the process
  // alive) only once the whole result has been written.
  process.stdout.write(result, () => process.exit(0))
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
