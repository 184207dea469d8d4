'use strict'

// The conformance suite (conformance/suite.cjs) on every runtime a Node backend uses: Node 20,
// 22, 24 and 26, Bun and Deno, as scripts/install-runtimes.sh installs them from the npm registry
// into a cache folder. Without that folder the tests are skipped with a notice; under CI
// (CI=true) with AEM_HEADLESS_RUNTIMES set, as .ci/run sets it, a missing runtime fails instead.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFile } = require('node:child_process')
const { promisify } = require('node:util')
const { setup } = require('./helpers')

const run = promisify(execFile)
const DIR = process.env.AEM_HEADLESS_RUNTIMES ||
  path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'aem-headless-rs', 'runtimes')
const SUITE = path.join(__dirname, 'conformance', 'suite.cjs')
const CI = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
const REQUIRED = CI && Boolean(process.env.AEM_HEADLESS_RUNTIMES)

/** Each runtime: its executable in the cache folder and the arguments that run a CommonJS file. */
const RUNTIMES = [
  ...[20, 22, 24, 26].map((major) => ({ name: `Node ${major}`, bin: path.join(DIR, 'node_modules', `node${major}`, 'bin', 'node'), args: [SUITE], version: ['--version'] })),
  { name: 'Bun', bin: path.join(DIR, 'node_modules', '.bin', 'bun'), args: [SUITE], version: ['--version'] },
  { name: 'Deno', bin: path.join(DIR, 'node_modules', '.bin', 'deno'), args: ['run', '--allow-all', SUITE], version: ['--version'] }
]

let env
before(async () => { env = await setup() })
after(() => env.close())

for (const runtime of RUNTIMES) {
  const present = fs.existsSync(runtime.bin)
  const notice = `${runtime.name} is not installed in ${DIR}: run scripts/install-runtimes.sh`
  test(`conformance on ${runtime.name}`, { skip: present || REQUIRED ? false : notice }, async (t) => {
    assert.ok(present, notice)
    const { stdout: version } = await run(runtime.bin, runtime.version)
    t.diagnostic(`${runtime.name}: ${version.split('\n')[0].trim()}`)
    const conformance = JSON.stringify({
      url: env.emu.url,
      imsEndpoint: env.emu.imsEndpoint,
      credentialsFile: env.files.credentialsFile,
      devTokenFile: env.files.devTokenFile,
      caFile: env.files.caFile
    })
    const result = await run(runtime.bin, runtime.args, {
      env: { ...process.env, AEM_CONFORMANCE: conformance, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
      timeout: 120000
    }).catch((error) => error)
    const lines = String(result.stdout || '').trim().split('\n')
    for (const line of lines) t.diagnostic(line)
    assert.equal(result.code ?? 0, 0, `${runtime.name} failed:\n${result.stdout}\n${result.stderr}`)
    assert.equal(lines.at(-1), '8 passed, 0 failed')
  })
}
