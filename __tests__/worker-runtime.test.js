'use strict'

// AEM_HEADLESS_WORKER_THREADS holds for every environment: when the last one exits and the addon
// is loaded again (a worker-only app, a test runner), the I/O still runs on the configured
// runtime, not on napi-rs's default of one worker per core.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { execFile } = require('node:child_process')
const { promisify } = require('node:util')
const { setup } = require('./helpers')

const run = promisify(execFile)
const SCRIPT = path.join(__dirname, 'support', 'runtime-cycles.js')

let env
before(async () => { env = await setup() })
after(() => env.close())

test('AEM_HEADLESS_WORKER_THREADS is honoured in each worker that loads the addon after the last one exited', { skip: process.platform !== 'linux' && 'counts threads through /proc' }, async () => {
  const { stdout } = await run(process.execPath, [SCRIPT, env.emu.url, env.emu.devToken.accessToken, env.files.caFile], {
    env: { ...process.env, AEM_HEADLESS_WORKER_THREADS: '3' }
  })
  const cycles = JSON.parse(stdout)
  assert.equal(cycles.length, 3)
  for (const { items, ioThreads } of cycles) {
    assert.equal(items, 16)
    assert.equal(ioThreads, 3)
  }
})
