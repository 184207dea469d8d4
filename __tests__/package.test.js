'use strict'

// The published packages, as the release workflow makes them: the main package (`npm pack`,
// without a .node) and the linux-x64-gnu platform package from npm/linux-x64-gnu with this
// checkout's built binary in it, installed together offline (the runtime dependencies packed from
// node_modules, as the registry would give them) into an empty folder with cargo and rustc off the
// PATH, so that nothing can be compiled or downloaded. There, the example app, require, an ES
// module import and the command line work against the emulator.

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
const PLATFORM = 'linux-x64-gnu'
const BINARY = `aem-headless-rs.${PLATFORM}.node`
const MANIFEST = require('../package.json')
const skip = process.platform === 'linux' && process.arch === 'x64' && process.report.getReport().header.glibcVersionRuntime
  ? false
  : `the platform package under test is ${PLATFORM}`

/** PATH without the folders that hold cargo or rustc. */
function pathWithoutRust () {
  return (process.env.PATH || '').split(path.delimiter).filter((dir) =>
    !fs.existsSync(path.join(dir, 'cargo')) && !fs.existsSync(path.join(dir, 'rustc'))).join(path.delimiter)
}

/** Packs `dir` without running its scripts into `destination`; resolves with the tarball's path. */
async function pack (dir, destination) {
  const { stdout } = await run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', destination], { cwd: dir, maxBuffer: 1e7 })
  return path.join(destination, JSON.parse(stdout)[0].filename)
}

let env
let app
let childEnv

before(async () => {
  if (skip) return
  env = await setup()
  const mainTarball = await pack(ROOT, env.dir)
  // The platform package as `napi artifacts` fills it: its package.json and the built binary.
  const platformDir = path.join(env.dir, PLATFORM)
  fs.mkdirSync(platformDir)
  fs.copyFileSync(path.join(ROOT, 'npm', PLATFORM, 'package.json'), path.join(platformDir, 'package.json'))
  fs.copyFileSync(path.join(ROOT, BINARY), path.join(platformDir, BINARY))
  const platformTarball = await pack(platformDir, env.dir)
  // The runtime dependencies and theirs, as the registry would give them (packed from the
  // hoisted node_modules, offline).
  const dependencyTarballs = []
  const needed = Object.keys(MANIFEST.dependencies || {})
  for (const packed = new Set(); needed.length > 0;) {
    const name = needed.shift()
    if (packed.has(name)) continue
    packed.add(name)
    const dir = path.join(ROOT, 'node_modules', name)
    needed.push(...Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).dependencies || {}))
    dependencyTarballs.push(await pack(dir, env.dir))
  }

  app = path.join(env.dir, 'app')
  fs.mkdirSync(app)
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
  fs.copyFileSync(path.join(ROOT, 'examples', 'server-to-server.js'), path.join(app, 'server-to-server.js'))
  const PATH = pathWithoutRust()
  // Install scripts run (no --ignore-scripts): an install of the published package must not build.
  await run(NPM, ['install', '--offline', '--no-audit', '--no-fund', mainTarball, platformTarball, ...dependencyTarballs], {
    cwd: app,
    maxBuffer: 1e7,
    env: { ...process.env, PATH, npm_config_cache: path.join(env.dir, 'npm-cache') }
  })
  childEnv = { ...process.env, PATH, NODE_EXTRA_CA_CERTS: env.files.caFile, AEM_TOKEN: '' }
})
after(() => env && env.close())

test('cargo and rustc are off the PATH of the install and of the app', { skip }, async () => {
  for (const tool of ['cargo', 'rustc']) {
    // ENOENT, or EACCES for a folder on the PATH that this user may not enter.
    await assert.rejects(run(tool, ['--version'], { env: childEnv }), (error) => ['ENOENT', 'EACCES'].includes(error.code), `${tool} is reachable`)
  }
})

test('the main package carries no .node and lists every platform package at its own version', { skip }, () => {
  const installed = path.join(app, 'node_modules', 'aem-headless-rs')
  assert.deepEqual(fs.readdirSync(installed).filter((f) => f.endsWith('.node')), [])
  const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'))
  const platforms = fs.readdirSync(path.join(ROOT, 'npm')).sort()
  assert.equal(platforms.length, MANIFEST.napi.targets.length)
  assert.deepEqual(Object.keys(manifest.optionalDependencies).sort(), platforms.map((p) => `aem-headless-rs-${p}`))
  for (const version of Object.values(manifest.optionalDependencies)) assert.equal(version, manifest.version)
  for (const platform of platforms) {
    const own = require(path.join(ROOT, 'npm', platform, 'package.json'))
    assert.equal(own.name, `aem-headless-rs-${platform}`)
    assert.equal(own.version, manifest.version)
    assert.deepEqual(own.files, [`aem-headless-rs.${platform}.node`])
    assert.equal(own.main, `aem-headless-rs.${platform}.node`)
    assert.ok(own.os.length === 1 && own.cpu.length === 1, platform)
    if (platform.startsWith('linux-')) assert.deepEqual(own.libc, [platform.endsWith('-musl') ? 'musl' : 'glibc'])
  }
})

test('the platform package holds the binary, which the installed package loads', { skip }, async () => {
  const platformPackage = path.join(app, 'node_modules', `aem-headless-rs-${PLATFORM}`)
  assert.deepEqual(fs.readdirSync(platformPackage).sort(), ['package.json', BINARY].sort())
  const { stdout } = await run(process.execPath, ['-e', `require('aem-headless-rs'); console.log(Object.keys(require.cache).find((f) => f.endsWith('.node')))`], { cwd: app, env: childEnv })
  assert.equal(fs.realpathSync(stdout.trim()), fs.realpathSync(path.join(platformPackage, BINARY)))
})

test('the example app runs there against the emulator', { skip }, async () => {
  const { stdout } = await run(process.execPath, ['server-to-server.js', env.emu.url, env.files.credentialsFile], { cwd: app, env: childEnv })
  assert.equal(JSON.parse(stdout).data.adventureList.items.length, 16)
})

test('the tarball holds the package and nothing of the development tree', { skip }, async () => {
  const installed = path.join(app, 'node_modules', 'aem-headless-rs')
  const files = fs.readdirSync(installed).sort()
  for (const needed of ['LICENSE', 'README.md', 'bin', 'binding.js', 'emulator', 'index.d.mts', 'index.d.ts', 'index.js', 'index.mjs', 'lib', 'package.json']) {
    assert.ok(files.includes(needed), `${needed} is in the package`)
  }
  for (const absent of ['src', 'bench', '__tests__', 'fuzz', 'Cargo.toml', 'target', 'examples', 'docs', 'scripts']) {
    assert.ok(!files.includes(absent), `${absent} stays out of the package`)
  }
})

test('require() in the installed app runs the server-to-server flow', { skip }, async () => {
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

test('an ES module import in the installed app works the same', { skip }, async () => {
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

test('the command line is installed as a bin', { skip }, async () => {
  const bin = path.join(app, 'node_modules', '.bin', process.platform === 'win32' ? 'aem-headless-rs.cmd' : 'aem-headless-rs')
  const { stdout } = await run(bin, ['query', env.emu.url, 'wknd-shared/adventure-by-slug', '--var', 'slug=bali-surf-camp', '--credentials', env.files.credentialsFile], { cwd: app, env: childEnv })
  assert.equal(JSON.parse(stdout).data.adventureList.items[0].slug, 'bali-surf-camp')
  const token = await run(bin, ['token', env.files.credentialsFile], { cwd: app, env: childEnv })
  assert.match(JSON.parse(token.stdout).access_token, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)
})
