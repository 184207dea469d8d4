'use strict'

// Start-up: how long a fresh process takes to require each client (and, for context, to start
// at all), how much each takes on disk, and what `new AEMHeadless({serviceURL})` costs.

const { spawnSync, execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { num, ratio, table, percentile } = require('./lib/report')

const QUICK = Boolean(process.env.BENCH_QUICK)
const PROCESSES = QUICK ? 5 : 20
const CONSTRUCT_PROCESSES = QUICK ? 1 : 5
const CONSTRUCTIONS = 200
const ROOT = path.join(__dirname, '..')
const WORKER = path.join(__dirname, 'lib', 'startup-worker.js')
const ADOBE = '@adobe/aem-headless-client-nodejs'
/** The environment of every child: without NODE_EXTRA_CA_CERTS, which makes processes read a file. */
const CHILD_ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_EXTRA_CA_CERTS'))
const QUICK_NOTE = QUICK ? ' BENCH_QUICK: short runs, a smoke test, not figures to quote.' : ''

/** Runs `args` in a fresh node process: its wall time in ms (spawn to exit) and its JSON output. */
function runNode (args) {
  const start = process.hrtime.bigint()
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', env: CHILD_ENV })
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${run.stderr}`)
  return { wallMs, output: run.stdout ? JSON.parse(run.stdout) : null }
}

const sorted = (values) => [...values].sort((a, b) => a - b)
const median = (values) => percentile(sorted(values), 50)

/** Bytes and files under `dir`, leaving out nested node_modules (dependencies are counted apart). */
function folderSize (dir) {
  let bytes = 0
  let files = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory() && entry.name !== 'node_modules') {
      const inner = folderSize(full)
      bytes += inner.bytes
      files += inner.files
    } else if (entry.isFile()) {
      bytes += fs.statSync(full).size
      files += 1
    }
  }
  return { bytes, files }
}

/** The folder of package `name` as Node resolves it from `fromDir`, or null if it is not installed. */
function packageDir (name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name)
    if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate)
    if (path.dirname(dir) === dir) return null
  }
}

/** The folders of a package and of all its production dependencies, each once. */
function productionTree (rootDir) {
  const seen = new Set()
  const pending = [rootDir]
  while (pending.length) {
    const dir = pending.pop()
    if (seen.has(dir)) continue
    seen.add(dir)
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
    for (const name of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      const found = packageDir(name, dir)
      if (found) pending.push(found)
    }
  }
  return [...seen]
}

/** Bytes and files of our package as published: what `npm pack` puts in it (its `files`, negations included). */
function ownPackageSize () {
  const out = execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], shell: process.platform === 'win32' })
  const [packed] = JSON.parse(out)
  return { bytes: packed.unpackedSize, files: packed.entryCount }
}

/** Whether a 64-bit little-endian ELF file still has a symbol table (`.symtab`): not stripped. */
function hasSymbolTable (file) {
  const elf = fs.readFileSync(file)
  const headers = Number(elf.readBigUInt64LE(0x28))
  const entrySize = elf.readUInt16LE(0x3a)
  const count = elf.readUInt16LE(0x3c)
  const header = (i) => headers + i * entrySize
  const names = Number(elf.readBigUInt64LE(header(elf.readUInt16LE(0x3e)) + 0x18))
  for (let i = 0; i < count; i++) {
    const at = names + elf.readUInt32LE(header(i))
    if (elf.toString('latin1', at, elf.indexOf(0, at)) === '.symtab') return true
  }
  return false
}

/** Require times and process wall times, interleaved: empty process, ours, Adobe's. */
function requireTimes () {
  const times = { empty: [], ours: [], adobe: [], oursRequire: [], adobeRequire: [] }
  for (let i = 0; i < PROCESSES; i++) {
    times.empty.push(runNode(['-e', '']).wallMs)
    for (const contender of ['ours', 'adobe']) {
      const { wallMs, output } = runNode([WORKER, contender])
      times[contender].push(wallMs)
      times[`${contender}Require`].push(output.requireMs)
    }
  }
  return times
}

/** First and following construction times (µs) of one contender, over fresh processes. */
function constructionTimes (contender) {
  const first = []
  const following = []
  for (let i = 0; i < CONSTRUCT_PROCESSES; i++) {
    const { output } = runNode([WORKER, contender, String(CONSTRUCTIONS)])
    first.push(output.firstNewUs)
    following.push(...output.newUs)
  }
  return { first: median(first), following: sorted(following) }
}

function main () {
  const times = requireTimes()
  const [oursRequire, adobeRequire] = [median(times.oursRequire), median(times.adobeRequire)]
  const [oursWall, adobeWall] = [median(times.ours), median(times.adobe)]
  table(`Start-up: require in a fresh process, median of ${PROCESSES} processes`,
    ['process', 'require ms', 'spawn to exit ms'],
    [["node -e '' (an empty process)", '', num(median(times.empty), 1)],
      ["ours: require('aem-headless-rs')", num(oursRequire, 1), num(oursWall, 1)],
      [`Adobe's: require('${ADOBE}')`, num(adobeRequire, 1), num(adobeWall, 1)],
      ["ours' advantage (× in our favour)", ratio(oursRequire, adobeRequire, false), ratio(oursWall, adobeWall, false)]],
    [`\`require ms\` is timed inside the process around the require; \`spawn to exit\` is the whole process as its parent sees it, empty processes, ours and Adobe's taking turns. Children run without NODE_EXTRA_CA_CERTS.${QUICK_NOTE}`])

  const binary = fs.readdirSync(ROOT).find((name) => name.endsWith('.node'))
  const binaryBytes = fs.statSync(path.join(ROOT, binary)).size
  const own = ownPackageSize()
  const tree = productionTree(packageDir(ADOBE, ROOT))
  const adobe = tree.map(folderSize).reduce((sum, size) => ({ bytes: sum.bytes + size.bytes, files: sum.files + size.files }), { bytes: 0, files: 0 })
  const row = (name, size) => [name, num(size.bytes), num(size.bytes / 2 ** 20, 2), num(size.files)]
  table('Size on disk',
    ['what', 'bytes', 'MiB', 'files'],
    [row(`ours: ${binary}${hasSymbolTable(path.join(ROOT, binary)) ? ' (NOT stripped)' : ' (stripped)'}`, { bytes: binaryBytes, files: 1 }),
      row('ours: the package as published, no dependencies', own),
      row(`Adobe's: ${ADOBE} and its production dependencies (${tree.length} packages)`, adobe)],
    [`Ours is ${(own.bytes / adobe.bytes).toFixed(2)}× the size of Adobe's tree on disk: the binary holds the HTTP/TLS stack, JSON and crypto that Adobe's client takes from Node and its dependencies. Sizes are file sizes (not blocks), counted from the installed folders.`])

  const ours = constructionTimes('ours')
  const theirs = constructionTimes('adobe')
  const newRow = (name, t) => [name, num(t.first, 1), num(percentile(t.following, 50), 1), num(percentile(t.following, 99), 1)]
  table(`new AEMHeadless({ serviceURL }): µs per construction, ${CONSTRUCTIONS} after the first, in ${CONSTRUCT_PROCESSES} fresh process(es) each`,
    ['client', 'first µs', 'p50 µs', 'p99 µs'],
    [newRow('ours', ours), newRow("Adobe's", theirs),
      ["ours' advantage (× in our favour)", ratio(ours.first, theirs.first, false), ratio(percentile(ours.following, 50), percentile(theirs.following, 50), false), ratio(percentile(ours.following, 99), percentile(theirs.following, 99), false)]],
    [`\`first\` is the first construction in a fresh process (median over the processes): ours then hands Node's root certificates to the native side (unparsed: the HTTP client that parses them is built at the first request), sets up the transport for \`'auto'\` mode, and V8 compiles the constructor's code on first use; Adobe's builds nothing until its first request, and Node loads its root certificates at the first TLS connection.${QUICK_NOTE}`])
}

main()
