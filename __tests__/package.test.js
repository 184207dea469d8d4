'use strict'

// The published package: `npm pack` of this built checkout, installed offline into an empty
// folder, works there through require, an ES module import and the command line, against the
// emulator.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { execFile } = require('node:child_process')
const { promisify } = require('node:util')
const { setup } = require('./helpers')

const run = promisify(execFile)
const ROOT = path.join(__dirname, '..')
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'

let env
let app
let childEnv

before(async () => {
  env = await setup()
  // Pack without scripts: the test checks this build, not a new one.
  const { stdout } = await run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', env.dir], { cwd: ROOT, maxBuffer: 1e7 })
  const tarball = path.join(env.dir, JSON.parse(stdout)[0].filename)
  app = path.join(env.dir, 'app')
  fs.mkdirSync(app)
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
  await run(NPM, ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: app, maxBuffer: 1e7 })
  childEnv = { ...process.env, NODE_EXTRA_CA_CERTS: env.files.caFile, AEM_TOKEN: '' }
})
after(() => env.close())

test('the tarball holds the package and nothing of the development tree', async () => {
  const installed = path.join(app, 'node_modules', 'aem-headless-rs')
  const files = fs.readdirSync(installed).sort()
  for (const needed of ['LICENSE', 'README.md', 'bin', 'binding.js', 'index.d.mts', 'index.d.ts', 'index.js', 'index.mjs', 'lib', 'package.json']) {
    assert.ok(files.includes(needed), `${needed} is in the package`)
  }
  assert.ok(files.some((f) => f.endsWith('.node')), 'the addon is in the package')
  for (const absent of ['src', 'bench', '__tests__', 'emulator', 'fuzz', 'Cargo.toml', 'target', 'examples']) {
    assert.ok(!files.includes(absent), `${absent} stays out of the package`)
  }
})

test('require() in the installed app runs the server-to-server flow', async () => {
  const script = `
    const { AEMHeadless, getToken } = require('aem-headless-rs')
    ;(async () => {
      const { accessToken } = await getToken(${JSON.stringify(env.files.credentialsFile)})
      const { data } = await new AEMHeadless({ serviceURL: ${JSON.stringify(env.emu.url)}, auth: accessToken }).runPersistedQuery('wknd-shared/adventures-all')
      console.log(data.adventureList.items.length)
    })().catch((e) => { console.error(e); process.exitCode = 1 })`
  const { stdout } = await run(process.execPath, ['-e', script], { cwd: app, env: childEnv })
  assert.equal(stdout.trim(), '16')
})

test('an ES module import in the installed app works the same', async () => {
  const file = path.join(app, 'esm.mjs')
  fs.writeFileSync(file, `
    import AEMHeadless, { getToken } from 'aem-headless-rs'
    const { accessToken } = await getToken(${JSON.stringify(env.files.credentialsFile)})
    const { data } = await new AEMHeadless({ serviceURL: ${JSON.stringify(env.emu.url)}, auth: accessToken }).runPersistedQuery('wknd-shared/adventures-all')
    console.log(data.adventureList.items.length)
  `)
  const { stdout } = await run(process.execPath, [file], { cwd: app, env: childEnv })
  assert.equal(stdout.trim(), '16')
})

test('the command line is installed as a bin', async () => {
  const bin = path.join(app, 'node_modules', '.bin', process.platform === 'win32' ? 'aem-headless-rs.cmd' : 'aem-headless-rs')
  const { stdout } = await run(bin, ['query', env.emu.url, 'wknd-shared/adventure-by-slug', '--var', 'slug=bali-surf-camp', '--credentials', env.files.credentialsFile], { cwd: app, env: childEnv })
  assert.equal(JSON.parse(stdout).data.adventureList.items[0].slug, 'bali-surf-camp')
  const token = await run(bin, ['token', env.files.credentialsFile], { cwd: app, env: childEnv })
  assert.match(JSON.parse(token.stdout).access_token, /^emu-/)
})
