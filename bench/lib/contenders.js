'use strict'

// Runs the contenders of the request benchmarks (query-worker.js) in fresh processes against
// the benchmark server, and summarises what they measured.

const { spawn } = require('node:child_process')
const path = require('node:path')
const { percentile } = require('./report')

/** The contenders, in the order of the tables. */
const CONTENDERS = [
  ['ours', 'ours'],
  ['adobe', "Adobe's AEMHeadless"],
  ['undici', 'undici.request + JSON.parse (floor)']
]

/**
 * Runs one contender in a fresh process and returns its figures: calls/s, p50/p99 ms, client
 * CPU seconds per 1,000 calls, the RSS samples, and the server's CPU use over the same run.
 * The server must have answered `served` of the timed calls (all of them, unless a cache
 * answers them: then none).
 */
async function measure (server, contender, { queryPath, total, concurrency, warmUp, checkpoints = [], nodeArgs = [], served = total }) {
  const out = await new Promise((resolve, reject) => {
    const worker = path.join(__dirname, 'query-worker.js')
    const child = spawn(process.execPath, [...nodeArgs, worker, contender, server.url, queryPath, String(total), String(concurrency), String(warmUp), checkpoints.join(',')], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: server.caFile },
      stdio: ['ignore', 'pipe', 'inherit']
    })
    let text = ''
    child.stdout.on('data', (chunk) => { text += chunk })
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`${contender} exited with ${code}`))))
  })
  if (out.server.served !== served) {
    throw new Error(`${contender}: the server answered ${out.server.served} of ${total} timed calls, not ${served}`)
  }
  const latencies = out.latencies.sort((a, b) => a - b)
  return {
    rate: total / out.seconds,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    cpuPer1000: (out.cpuSeconds / total) * 1000,
    rss: out.rss,
    // Answers per CPU second of the server, and its share of a core, over the timed part.
    serverCeiling: out.server.served / out.server.cpuSeconds,
    serverBusy: out.server.cpuSeconds / out.seconds
  }
}

module.exports = { CONTENDERS, measure }
