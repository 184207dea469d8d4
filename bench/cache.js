'use strict'

// The opt-in response cache and request coalescing, against the emulator's adventures query
// (`Cache-Control: max-age=60`, about 36 KB): the same calls through a client without either,
// with `cache`, and with `coalesce`, and through Adobe's client, which has neither.

const { spawn } = require('node:child_process')
const path = require('node:path')
const { setup } = require('../__tests__/helpers')
const { num, ratio, table } = require('./lib/report')

const QUICK = Boolean(process.env.BENCH_QUICK)
const WORKER = path.join(__dirname, 'lib', 'cache-worker.js')

/** Runs one contender in a fresh process and returns what it measured. */
function measure (env, contender, mode, total, concurrency) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, contender, mode, env.emu.url, env.emu.devToken.accessToken, String(total), String(concurrency)], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: env.files.caFile },
      stdio: ['ignore', 'pipe', 'inherit']
    })
    let out = ''
    child.stdout.on('data', (chunk) => { out += chunk })
    child.on('error', reject)
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${contender} ${mode} exited with ${code}`))
      resolve(JSON.parse(out))
    })
  })
}

/** Requests the emulator answered for the adventures query since the last clear. */
function served (env) {
  return env.emu.requests.filter((r) => r.url === '/graphql/execute.json/wknd-shared/adventures-all').length
}

async function main () {
  const env = await setup()
  try {
    const total = QUICK ? 500 : 5000
    const concurrency = 32
    const rows = []
    const results = {}
    for (const [contender, mode] of [['adobe', 'plain'], ['ours', 'plain'], ['ours', 'cache'], ['ours', 'coalesce'], ['ours', 'both']]) {
      env.emu.clearRequests()
      const result = await measure(env, contender, mode, total, concurrency)
      result.served = served(env)
      results[`${contender}-${mode}`] = result
    }
    const base = results['ours-plain']
    const adobe = results['adobe-plain']
    const label = { 'adobe-plain': "Adobe's AEMHeadless", 'ours-plain': 'ours', 'ours-cache': 'ours, cache: true', 'ours-coalesce': 'ours, coalesce: true', 'ours-both': 'ours, both' }
    for (const [key, r] of Object.entries(results)) {
      rows.push([label[key], num(r.rate), num(r.p50, 2), num(r.p99, 2), num(r.served), ratio(r.rate, base.rate, true), ratio(r.rate, adobe.rate, true)])
    }
    table(`Response cache and coalescing: ${num(total)} calls of the adventures query, ${concurrency} at a time, against the emulator`,
      ['client', 'calls/s', 'p50 ms', 'p99 ms', 'requests to AEM', 'vs ours', "vs Adobe's"], rows,
      ['The emulator answers `Cache-Control: max-age=60`. With `cache` alone, the 32 first calls all miss (they start before the first answer arrives), then every call is a hit; each hit is parsed again, so every caller gets its own object. With `coalesce`, calls that overlap share a request. With both, one request fills the cache for everyone. The emulator serialises each answer afresh in the same process tree, so it, not the client, bounds the plain runs here; bench/query.js measures the client against a static server.'])
  } finally {
    await env.close()
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
