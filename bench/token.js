'use strict'

// Tokens. Cold: credentials file to access token against the emulator's IMS, calls one after
// another, ours against Adobe's getToken (each reads the file, parses the key, signs a JWT and
// exchanges it). Cached: a TokenProvider that holds a valid token, against a bare awaited
// promise, the floor of any async call.

const { execFile } = require('node:child_process')
const path = require('node:path')
const { promisify } = require('node:util')
const { setup } = require('../__tests__/helpers')
const { TokenProvider } = require('..')
const { num, ratio, table, percentile } = require('./lib/report')

const QUICK = Boolean(process.env.BENCH_QUICK)
const run = promisify(execFile)

/** Latencies (ms) of `count` sequential getToken calls by one contender, in a fresh process. */
async function coldLatencies (env, contender, count) {
  const worker = path.join(__dirname, 'lib', 'token-worker.js')
  const { stdout } = await run(process.execPath, [worker, contender, env.files.credentialsFile, String(count), '5'], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: env.files.caFile }
  })
  return JSON.parse(stdout).sort((a, b) => a - b)
}

/** Mean time per awaited call of `call`, in µs, over `count` calls after a warm-up. */
async function perCallUs (call, count) {
  for (let i = 0; i < 10000; i++) await call()
  const start = process.hrtime.bigint()
  for (let i = 0; i < count; i++) await call()
  return Number(process.hrtime.bigint() - start) / 1e3 / count
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length

async function main () {
  // Adobe's getToken calls IMS on port 443 only, so the emulator must listen there.
  let env
  try {
    env = await setup({ port: 443 })
  } catch (error) {
    console.log(`\n(token: skipped the cold-token comparison, which needs to bind 127.0.0.1:443: ${error.message})`)
  }
  if (env) {
    try {
      const count = QUICK ? 20 : 200
      const ours = await coldLatencies(env, 'ours', count)
      const adobe = await coldLatencies(env, 'adobe', count)
      const row = (name, l) => [name, num(mean(l), 2), num(percentile(l, 50), 2), num(percentile(l, 99), 2)]
      table(`Cold token: getToken(credentials file) to access token, ${count} calls one after another`,
        ['client', 'mean ms', 'p50 ms', 'p99 ms'],
        [row('ours', ours), row("Adobe's getToken", adobe), ['ours / Adobe\'s time', ratio(mean(adobe), mean(ours), true), '', '']],
        [`Target: at most 0.5× Adobe's time (ours takes ${(mean(ours) / mean(adobe)).toFixed(2)}×). Each call reads the file, parses the key, signs and exchanges the JWT at the emulator's IMS over HTTPS; ours keeps one warm connection pool for the process, Adobe's opens a connection per call.`])
    } finally {
      await env.close()
    }
  }

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

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
