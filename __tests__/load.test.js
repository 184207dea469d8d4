'use strict'

// Load: 10,000 concurrent requests through one client, with the token going invalid mid-run,
// finish with no failure and exactly one refresh, and memory comes back down. Bounded in count;
// the figures are printed, not asserted on time.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { execFile } = require('node:child_process')
const { promisify } = require('node:util')

const run = promisify(execFile)

test('10,000 concurrent requests, the token invalid half-way: 0 failures, 1 refresh, RSS back within 10%', async (t) => {
  const { stdout } = await run(process.execPath, ['--expose-gc', path.join(__dirname, 'support', 'load-run.js')], { timeout: 5 * 60 * 1000, maxBuffer: 1024 * 1024 })
  const result = JSON.parse(stdout)
  t.diagnostic(`load: ${JSON.stringify(result)}`)
  assert.equal(result.failures, 0)
  assert.equal(result.refreshes, 1)
  assert.ok(result.rssAfter <= result.rssBefore * 1.1, `RSS grew from ${result.rssBefore} to ${result.rssAfter}`)
})
