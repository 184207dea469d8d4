'use strict'

// Tokens. Cold: credentials file to access token against the emulator's IMS, calls one after
// another, ours against Adobe's getToken (each reads the file, parses the key, signs a JWT and
// exchanges it). Cached: a TokenProvider that holds a valid token, against a bare awaited
// promise, the floor of any async call.

const { execFile } = require('node:child_process')
const diagnostics = require('node:diagnostics_channel')
const path = require('node:path')
const { promisify } = require('node:util')
const { setup } = require('../__tests__/helpers')
const { TokenProvider } = require('..')
const { num, ratio, table, percentile } = require('./lib/report')

const QUICK = Boolean(process.env.BENCH_QUICK)
const WARM_UP = 5
const run = promisify(execFile)

/** Counts the TCP connections that servers in this process (the emulator) accept. */
const accepted = { count: 0 }
diagnostics.subscribe('net.server.socket', () => { accepted.count++ })

/**
 * Latencies (ms) and client CPU per call (µs) of `count` sequential getToken calls by one
 * contender in a fresh process, with the connections and exchanges the emulator saw for them
 * (warm-up calls included).
 */
async function coldRun (env, contender, count) {
  const worker = path.join(__dirname, 'lib', 'token-worker.js')
  const [connections, exchanges] = [accepted.count, env.emu.stats.exchanges]
  // The emulator runs in this process: its CPU over the run is this process's.
  const emulatorCpu = process.cpuUsage()
  // Adobe's getToken calls IMS on port 443 only: the preload sends that connection to the emulator's port.
  const redirect = path.join(__dirname, '..', 'emulator', 'redirect-443.js')
  const { stdout } = await run(process.execPath, ['--require', redirect, worker, contender, env.files.credentialsFile, String(count), String(WARM_UP)], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: env.files.caFile, AEM_EMULATOR_PORT: String(env.emu.port) }
  })
  const { latencies, cpuUs } = JSON.parse(stdout)
  const used = process.cpuUsage(emulatorCpu)
  return {
    emulatorUs: (used.user + used.system) / (count + WARM_UP),
    latencies: latencies.sort((a, b) => a - b),
    cpuUs,
    connections: accepted.count - connections,
    exchanges: env.emu.stats.exchanges - exchanges
  }
}

/** Mean time per awaited call of `call`, in µs, over `count` calls after a warm-up. */
async function perCallUs (call, count) {
  for (let i = 0; i < 10000; i++) await call()
  const start = process.hrtime.bigint()
  for (let i = 0; i < count; i++) await call()
  return Number(process.hrtime.bigint() - start) / 1e3 / count
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length

/** The cold-token table. */
async function coldTokens () {
  const env = await setup()
  try {
    const count = QUICK ? 20 : 200
    const ours = await coldRun(env, 'ours', count)
    const adobe = await coldRun(env, 'adobe', count)
    const row = (name, r) => [name, num(mean(r.latencies), 2), num(percentile(r.latencies, 50), 2), num(percentile(r.latencies, 99), 2), num(r.cpuUs), num(r.emulatorUs), `${r.connections} / ${r.exchanges}`]
    const [oursMean, adobeMean] = [mean(ours.latencies), mean(adobe.latencies)]
    table(`Cold token: getToken(credentials file) to access token, ${count} calls one after another`,
      ['client', 'mean ms', 'p50 ms', 'p99 ms', 'client CPU µs per call', "emulator's CPU µs per call", 'connections / exchanges'],
      [row('ours', ours), row("Adobe's getToken", adobe),
        ["ours' advantage (× in our favour)", ratio(oursMean, adobeMean, false), ratio(percentile(ours.latencies, 50), percentile(adobe.latencies, 50), false), ratio(percentile(ours.latencies, 99), percentile(adobe.latencies, 99), false), ratio(ours.cpuUs, adobe.cpuUs, false), '', '']],
      [`Target: at most 0.5× Adobe's time (ours takes ${(oursMean / adobeMean).toFixed(2)}× on the mean). The emulator's own CPU per exchange, ${num(ours.emulatorUs / 1000, 2)} ms, is in every call of either client and alone is ${(ours.emulatorUs / 1000 / adobeMean).toFixed(2)}× Adobe's mean time: the lowest ratio any client could reach here. Each call reads the file, parses the key, signs a JWT and exchanges it at the emulator's IMS over HTTPS; each contender runs in its own process with NODE_EXTRA_CA_CERTS, after ${WARM_UP} untimed calls. The latency includes the emulator's own work (it runs in this process and checks each JWT's signature), the same for both; client CPU (process.cpuUsage() of the contender's process, every thread) does not. Connections are the TLS connections the emulator accepted for the whole run: ours keeps one process-wide HTTP client with a warm pool; Adobe's uses Node's https.globalAgent, which keeps connections alive by default since Node 19, so neither pays a TLS handshake per call.${QUICK ? ' BENCH_QUICK: short runs, a smoke test, not figures to quote.' : ''}`])
  } finally {
    await env.close()
  }
}

/** The cached-token table: a TokenProvider holding a valid token, against bare awaits. */
async function cachedTokens () {
  const local = await setup()
  try {
    const provider = new TokenProvider(local.files.credentialsFile, { imsEndpoint: local.emu.imsEndpoint, ca: local.emu.caPem })
    await provider.getAccessToken()
    const count = QUICK ? 100000 : 1000000
    const cached = await perCallUs(() => provider.getAccessToken(), count)
    const view = Object.freeze({ accessToken: 'x' })
    const floor = await perCallUs(() => Promise.resolve(view), count)
    const asyncFloor = await perCallUs(async () => view, count)
    table(`Cached token: await provider.getAccessToken(), ${num(count)} calls`,
      ['call', 'µs per call'],
      [['ours: TokenProvider with a valid token', num(cached, 3)], ['await Promise.resolve(value)', num(floor, 3)], ['await of an async function returning a value', num(asyncFloor, 3)]],
      [`Target: under 5 µs per call. ${local.emu.stats.exchanges} exchange(s) at IMS in all. AEMHeadless takes a cached token synchronously, without a promise.`])
  } finally {
    await local.close()
  }
}

async function main () {
  await coldTokens()
  await cachedTokens()
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
