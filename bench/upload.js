'use strict'

// Upload: one folder tree (a 1 GiB file, 200 files of 5 MiB, 1,000 of 10 KiB) into the DAM by
// direct binary upload, against the emulator with AEM's part sizes: Adobe's @adobe/aem-upload
// FileSystemUpload, ours (`aem.upload`) and our drop-in FileSystemUpload, each run in a fresh
// process, taking turns, and a reference (the same protocol with nothing but `fetch`). Wall time,
// throughput, peak RSS; every run is checked against the emulator's assets.

const { fork, spawnSync } = require('node:child_process')
const { randomFillSync } = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { num, table, percentile } = require('./lib/report')

const QUICK = Boolean(process.env.BENCH_QUICK)
const ROUNDS = QUICK ? 1 : 3
const KIB = 1024
const MIB = 1024 * KIB
/** The tree: one big file, medium files in a few folders, small files in more. */
const WORKLOAD = QUICK
  ? { big: 64 * MIB, medium: { folders: 4, each: 5, size: 5 * MIB }, small: { folders: 4, each: 25, size: 10 * KIB } }
  : { big: 1024 * MIB, medium: { folders: 4, each: 50, size: 5 * MIB }, small: { folders: 10, each: 100, size: 10 * KIB } }
const CONTENDERS = [
  ['adobe', "Adobe's @adobe/aem-upload FileSystemUpload"],
  ['ours', 'ours: aem.upload(folder, [dir])'],
  ['dropin', 'ours: drop-in FileSystemUpload'],
  ['fetch', 'reference: the same protocol with plain fetch']
]
/** The longest one upload may take before the benchmark gives up on it. */
const RUN_TIMEOUT_MS = 20 * 60 * 1000
const TARGET_RATIO = 0.5
const TARGET_RSS_MIB = 150

/** Writes `size` random bytes to `file`, 4 MiB at a time. */
function writeRandom (file, size, buffer) {
  const fd = fs.openSync(file, 'w')
  try {
    for (let done = 0; done < size;) {
      const chunk = buffer.subarray(0, Math.min(buffer.length, size - done))
      randomFillSync(chunk)
      fs.writeSync(fd, chunk)
      done += chunk.length
    }
  } finally {
    fs.closeSync(fd)
  }
}

/** The workload under `dir`: big/, medium/mN/, small/sN/. Its file count, bytes and folder count. */
function generate (dir) {
  const buffer = Buffer.allocUnsafe(4 * MIB)
  const total = { files: 0, bytes: 0, folders: 0 }
  const add = (folder, name, size) => {
    fs.mkdirSync(path.join(dir, folder), { recursive: true })
    writeRandom(path.join(dir, folder, name), size, buffer)
    total.files += 1
    total.bytes += size
  }
  add('big', 'big-file.bin', WORKLOAD.big)
  for (const [kind, letter] of [['medium', 'm'], ['small', 's']]) {
    const { folders, each, size } = WORKLOAD[kind]
    for (let f = 0; f < folders; f++) {
      for (let i = 0; i < each; i++) add(`${kind}/${letter}${f}`, `${kind}-${f}-${String(i).padStart(3, '0')}.bin`, size)
    }
  }
  total.folders = 3 + WORKLOAD.medium.folders + WORKLOAD.small.folders
  return total
}

/** The emulator in its own process; `request` sends it a message and resolves with its answer. */
function startEmulatorProcess () {
  const child = fork(path.join(__dirname, 'lib', 'upload-emulator-worker.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  const pending = new Map()
  let nextId = 1
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code})`)))
    child.on('message', (message) => {
      if (message.type === 'ready') {
        resolve({
          ...message,
          request (body) {
            const id = nextId++
            return new Promise((resolve, reject) => {
              pending.set(id, { resolve, reject })
              child.send({ id, ...body })
            })
          },
          close () { child.disconnect() }
        })
        return
      }
      const waiting = pending.get(message.id)
      pending.delete(message.id)
      if (message.error) waiting.reject(new Error(message.error))
      else waiting.resolve(message)
    })
  })
}

/** One upload by `contender` in a fresh process; resolves with what the worker reports. */
function runUpload (contender, config, caFile) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'lib', 'upload-worker.js'), [JSON.stringify({ contender, ...config })], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
      // Adobe's httptransfer writes to stdout: the result comes over IPC, stdout is dropped.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc']
    })
    let stderr = ''
    child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000) })
    let result = null
    child.on('message', (message) => { result = message })
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (result && !result.failure && code === 0) return resolve(result)
      const why = result && result.failure ? result.failure : `exited with ${signal || code}`
      reject(new Error(`${contender}: ${why}${stderr ? `\nstderr: ${stderr}` : ''}`))
    })
  })
}

const cpuSeconds = (before, after) => (after.user - before.user + after.system - before.system) / 1e6
const median = (values) => percentile([...values].sort((a, b) => a - b), 50)

async function main () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aem-bench-upload-'))
  let emulator = null
  try {
    const workload = generate(path.join(dir, 'tree'))
    emulator = await startEmulatorProcess()
    const runs = Object.fromEntries(CONTENDERS.map(([key]) => [key, []]))
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [key, label] of CONTENDERS) {
        // A fresh folder per run, in a DAM emptied after the last one (reset deletes the assets' files).
        const target = `/content/dam/bench-upload-${round}-${key}`
        const cpuBefore = (await emulator.request({ type: 'cpu' })).cpu
        const run = await runUpload(key, { url: emulator.url, token: emulator.token, target, dir: path.join(dir, 'tree') }, emulator.caFile)
        run.emulatorCpuS = cpuSeconds(cpuBefore, (await emulator.request({ type: 'cpu' })).cpu)
        const arrived = await emulator.request({ type: 'check', folder: target })
        if (arrived.count !== workload.files || arrived.bytes !== workload.bytes) {
          throw new Error(`${label}, round ${round}: ${num(arrived.count)} of ${num(workload.files)} files and ${num(arrived.bytes)} of ${num(workload.bytes)} bytes arrived; ` +
            `it reported ${run.reported} uploaded${run.errors.length ? `, errors: ${run.errors.join('; ')}` : ''}`)
        }
        if (run.reported !== workload.files) throw new Error(`${label}, round ${round}: every file arrived, but it reported ${run.reported} of ${workload.files} uploaded`)
        runs[key].push(run)
        console.error(`round ${round}/${ROUNDS} ${key}: ${num(run.wallMs / 1000, 2)} s, peak RSS ${num(run.maxRssKiB / KIB, 1)} MiB`)
        await emulator.request({ type: 'reset' })
        spawnSync('sync')
      }
    }

    const summary = Object.fromEntries(CONTENDERS.map(([key]) => {
      const walls = runs[key].map((run) => run.wallMs / 1000)
      return [key, {
        wall: median(walls),
        min: Math.min(...walls),
        max: Math.max(...walls),
        rss: Math.max(...runs[key].map((run) => run.maxRssKiB / KIB)),
        cpu: median(runs[key].map((run) => run.cpuMs / 1000)),
        emulatorCpu: median(runs[key].map((run) => run.emulatorCpuS))
      }]
    }))
    const adobe = summary.adobe
    const rows = CONTENDERS.map(([key, label]) => {
      const s = summary[key]
      return [label, num(s.wall, 2), `${num(s.min, 2)}–${num(s.max, 2)}`, num(workload.bytes / 1e6 / s.wall, 1), num(s.rss, 1), num(s.cpu, 1), num(s.emulatorCpu, 1),
        key === 'adobe' ? '1.00×' : `${(s.wall / adobe.wall).toFixed(2)}×`]
    })
    const settings = emulator.settings
    const ours = summary.ours
    const dropin = summary.dropin
    const met = (ok) => (ok ? 'met' : 'NOT met')
    table(`Upload: ${num(workload.files)} files, ${num(workload.bytes / MIB, 1)} MiB (1 × ${num(WORKLOAD.big / MIB)} MiB, ${num(WORKLOAD.medium.folders * WORKLOAD.medium.each)} × 5 MiB, ${num(WORKLOAD.small.folders * WORKLOAD.small.each)} × 10 KiB) in ${workload.folders} folders, ${ROUNDS} round(s)`,
      ['client', 'median s', 'min–max s', 'MB/s', 'peak RSS MiB', 'client CPU s', 'emulator CPU s', 'wall ÷ Adobe\'s'], rows,
      [`Wall time: ours takes ${(ours.wall / adobe.wall).toFixed(2)}× Adobe's median, the drop-in ${(dropin.wall / adobe.wall).toFixed(2)}× (target ≤ ${TARGET_RATIO}×: ours ${met(ours.wall <= TARGET_RATIO * adobe.wall)}, drop-in ${met(dropin.wall <= TARGET_RATIO * adobe.wall)}). ` +
        `Peak RSS: ours ${num(ours.rss, 1)} MiB, the drop-in ${num(dropin.rss, 1)} MiB, Adobe's ${num(adobe.rss, 1)} MiB (target < ${TARGET_RSS_MIB} MiB: ours ${met(ours.rss < TARGET_RSS_MIB)}, drop-in ${met(dropin.rss < TARGET_RSS_MIB)}).`,
      `Each upload runs in a fresh process (contenders taking turns, round after round) into a fresh folder of the emulator, itself in another process, with AEM's part sizes (minPartSize ${num(settings.minPartSize / MIB)} MiB, maxPartSize ${num(settings.maxPartSize / MIB)} MiB); every file and byte was checked to have arrived. ` +
        'Wall time is from the start of the upload call to its end (require and set-up excluded); MB/s is 10⁶ bytes per second of that; peak RSS is the kernel\'s high-water mark of the client process (getrusage maxrss), the largest over the rounds; CPU figures are medians. ' +
        'Adobe\'s and the drop-in run with withDeepUpload(true), their default concurrency (maxConcurrent 5) and an Authorization header; ours with its default (8 parts in flight). The reference reads each part into a Buffer and PUTs it with fetch, 8 at a time, with no retries or events: what a plain client gets from this emulator (not a bound: the emulator, sharing the cores, is; see its CPU).' +
        (QUICK ? ' BENCH_QUICK: a small tree and one round, a smoke test, not figures to quote.' : '')])
  } finally {
    if (emulator) emulator.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
