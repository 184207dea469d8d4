'use strict'

// worker_threads: the addon loaded only in workers, several workers at once, workers terminated
// with requests and an IMS exchange in flight, for dozens of rounds; afterwards the main thread
// and a new worker still work, and the process exits cleanly with code 0. Each scenario runs in a
// fresh process (support/worker-rounds.js), since a crash at exit shows only in the exit status.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { execFile } = require('node:child_process')
const { setup } = require('./helpers')

const SCRIPT = path.join(__dirname, 'support', 'worker-rounds.js')
const ROUNDS = 30

let env
before(async () => { env = await setup() })
after(() => env.close())

/** Runs the script in a new process; resolves with its exit code, signal and output. */
function rounds (mode, terminate) {
  const AEM_WORKERS = JSON.stringify({ url: env.emu.url, credentialsFile: env.files.credentialsFile, caFile: env.files.caFile })
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, mode, String(ROUNDS), terminate], { env: { ...process.env, AEM_WORKERS }, timeout: 120000 }, (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, signal: error ? error.signal : null, stdout, stderr })
    })
  })
}

test(`the addon only in workers, 4 at once, ${ROUNDS} rounds: every worker's exchange and requests finish, and the exit is clean`, async () => {
  const exchanges = env.emu.stats.exchanges
  const result = await rounds('workers-only', 'finish')
  assert.deepEqual({ code: result.code, signal: result.signal }, { code: 0, signal: null }, result.stderr)
  assert.equal(result.stdout.trim(), 'done')
  assert.ok(env.emu.stats.exchanges - exchanges >= ROUNDS * 4, `${env.emu.stats.exchanges - exchanges} exchanges`)
})

test(`after ${ROUNDS} rounds of workers the main thread and a new worker work, and the exit is clean`, async () => {
  const result = await rounds('then-main', 'finish')
  assert.deepEqual({ code: result.code, signal: result.signal }, { code: 0, signal: null }, result.stderr)
  assert.equal(result.stdout.trim(), 'done')
})

test(`workers terminated once their calls settled, 4 at once, ${ROUNDS} rounds, then the main thread and a new worker: a clean exit`, async () => {
  const result = await rounds('then-main', 'after-settle')
  assert.deepEqual({ code: result.code, signal: result.signal }, { code: 0, signal: null }, result.stderr)
  assert.equal(result.stdout.trim(), 'done')
})


test(`workers terminated mid-flight, half of 4 at once, ${ROUNDS} rounds: the others finish, the exit is clean`, async () => {
  const result = await rounds('workers-only', 'terminate')
  assert.deepEqual({ code: result.code, signal: result.signal }, { code: 0, signal: null }, result.stderr)
  assert.equal(result.stdout.trim(), 'done')
})

test(`after ${ROUNDS} rounds of terminated workers the main thread and a new worker work, and the exit is clean`, async () => {
  const result = await rounds('then-main', 'terminate')
  assert.deepEqual({ code: result.code, signal: result.signal }, { code: 0, signal: null }, result.stderr)
  assert.equal(result.stdout.trim(), 'done')
})
