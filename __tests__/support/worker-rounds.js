'use strict'

// worker_threads with the addon, in a process of its own (its exit code is the verdict):
//
//   node worker-rounds.js MODE ROUNDS TERMINATE   with AEM_WORKERS='{"url","credentialsFile","caFile"}'
//
// Each round starts WORKERS workers at once. Each loads the addon, starts an IMS exchange
// (a TokenProvider on service credentials) and slow AEM requests, and reports "started". With
// TERMINATE "terminate", half of them are terminated right then, with the exchange and requests
// in flight; the others (all of them with "finish") finish and report their results. With
// "after-settle", every worker is terminated once its calls have settled, while still running. MODE "workers-only": the main thread never loads the addon,
// and the process must exit cleanly at the end (the crash-at-exit class of napi-rs#3443).
// MODE "then-main": after the rounds the main thread loads the addon and runs a query, and one
// new worker does too. Prints "done" when every check held.

const { Worker, isMainThread, workerData, parentPort } = require('node:worker_threads')
const assert = require('node:assert/strict')
const path = require('node:path')

const PACKAGE = path.join(__dirname, '..', '..')
const WORKERS = 4
const STALL_MS = 20000

async function work ({ url, credentialsFile, caFile, finish, afterSettle }) {
  const fs = require('node:fs')
  const { AEMHeadless, TokenProvider } = require(PACKAGE)
  const ca = fs.readFileSync(caFile, 'utf8')
  const provider = new TokenProvider(credentialsFile, { ca })
  const token = provider.getAccessToken()
  const aem = new AEMHeadless({ serviceURL: url, credentials: credentialsFile, ca })
  const slow = [1, 2, 3].map((i) => aem.runPersistedQuery('test/cache-control', { delay: finish ? 50 : 2000, i }))
  parentPort.postMessage({ started: true })
  const [{ accessToken }, ...answers] = await Promise.all([token, ...slow])
  const { data } = await aem.runPersistedQuery('wknd-shared/adventures-all')
  parentPort.postMessage({ token: accessToken.slice(0, 4), answers: answers.length, adventures: data.adventureList.items.length })
  if (afterSettle) setInterval(() => {}, 1000) // still running when terminated
}

/** Runs one worker; resolves with its last message, or 'terminated'. */
function runWorker (setup, terminate, afterSettle = false) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: { ...setup, finish: !terminate, afterSettle } })
    let last = null
    worker.on('message', (message) => {
      last = message
      if (message.started && terminate) worker.terminate()
      if (!message.started && afterSettle) worker.terminate()
    })
    worker.on('error', reject)
    worker.on('exit', (code) => {
      if (terminate) resolve('terminated')
      else if (afterSettle) resolve(last)
      else if (code !== 0) reject(new Error(`a worker exited with ${code}`))
      else resolve(last)
    })
  })
}

const finished = { token: 'eyJh', answers: 3, adventures: 16 } // an IMS-shaped token begins {"alg"

async function main () {
  const [mode, rounds, terminate, afterSettle] = [process.argv[2], Number(process.argv[3]), process.argv[4] === 'terminate', process.argv[4] === 'after-settle']
  const setup = JSON.parse(process.env.AEM_WORKERS)
  const terminated = (i) => terminate && i % 2 === 0
  for (let round = 0; round < rounds; round++) {
    // A round takes well under a second; one that stalls ends the process with code 3.
    const watchdog = setTimeout(() => {
      console.error(`round ${round} stalled: a worker's calls did not settle within ${STALL_MS / 1000} s`)
      process.exit(3)
    }, STALL_MS)
    const results = await Promise.all(Array.from({ length: WORKERS }, (_, i) => runWorker(setup, terminated(i), afterSettle)))
    clearTimeout(watchdog)
    results.forEach((result, i) => assert.deepEqual(result, terminated(i) ? 'terminated' : finished, `round ${round}, worker ${i}`))
  }
  if (mode === 'then-main') {
    const fs = require('node:fs')
    const { AEMHeadless } = require(PACKAGE)
    const aem = new AEMHeadless({ serviceURL: setup.url, credentials: setup.credentialsFile, ca: fs.readFileSync(setup.caFile, 'utf8') })
    assert.equal((await aem.runPersistedQuery('wknd-shared/adventures-all')).data.adventureList.items.length, 16)
    assert.deepEqual(await runWorker(setup, false), finished)
  } else {
    assert.equal(Object.keys(require.cache).some((file) => file.endsWith('.node')), false, 'the main thread loaded the addon')
  }
  console.log('done')
}

if (isMainThread) {
  main().catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
} else {
  work(workerData).catch((error) => {
    parentPort.postMessage({ error: String(error && error.stack) })
  })
}
