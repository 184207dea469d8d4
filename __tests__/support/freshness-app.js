'use strict'

// Starts one process of examples/freshness.js against a started emulator and a redis-server, with
// the emulator's events source and key host (and, with `journal`, its journal to follow), for the
// end-to-end test and the freshness benchmark. Resolves once it listens, with its base URL and
// what it has printed so far; the child is pushed to `children`, for the caller to kill.

const path = require('node:path')
const { spawn } = require('node:child_process')

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'freshness.js')

/**
 * @param {{emu: object, files: {credentialsFile: string, caFile: string}}} env from `setup()`
 * @param {string} redisUrl
 * @param {import('node:child_process').ChildProcess[]} children
 * @param {{journal?: boolean, settleMs?: number, settleRetries?: number}} [options]
 * @returns {Promise<{url: string, output: () => string}>}
 */
function startFreshnessApp (env, redisUrl, children, { journal = false, settleMs, settleRetries } = {}) {
  const events = env.emu.events
  const child = spawn(process.execPath, [EXAMPLE, env.emu.url, env.files.credentialsFile, redisUrl, '0'], {
    env: {
      ...process.env,
      NODE_EXTRA_CA_CERTS: env.files.caFile,
      AEM_EVENT_SOURCES: events.source,
      AEM_EVENTS_KEY_ORIGIN: events.publicKeyOrigin,
      ...(journal ? { AEM_JOURNAL_URL: events.journalUrl } : {}),
      ...(settleMs !== undefined ? { AEM_SETTLE_MS: String(settleMs) } : {}),
      ...(settleRetries !== undefined ? { AEM_SETTLE_RETRIES: String(settleRetries) } : {})
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  children.push(child)
  let output = ''
  child.stdout.on('data', (chunk) => { output += chunk })
  child.stderr.on('data', (chunk) => { output += chunk })
  return new Promise((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(output)
      if (match) resolve({ url: match[1], output: () => output })
    })
    child.on('exit', (code) => reject(new Error(`the example exited with ${code}: ${output}`)))
  })
}

module.exports = { startFreshnessApp }
