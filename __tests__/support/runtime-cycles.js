'use strict'

// Loads the addon in one worker thread after another, so that each time the last Node
// environment using it has exited before the next one starts (as in a worker-only app), makes a
// request in each, and prints how many I/O threads the process had after each request.
//
//   AEM_HEADLESS_WORKER_THREADS=N node runtime-cycles.js SERVICE_URL AUTH CA_FILE

const fs = require('node:fs')
const { Worker } = require('node:worker_threads')

const [serviceURL, auth, caFile] = process.argv.slice(2)

const inWorker = `
const { parentPort, workerData } = require('node:worker_threads')
const AEMHeadless = require(workerData.module)
const { settledIoThreads } = require(workerData.ioThreadsModule)
const aem = new AEMHeadless({ serviceURL: workerData.serviceURL, auth: workerData.auth, ca: workerData.ca })
aem.runPersistedQuery('wknd-shared/adventures-all').then(async (answer) => {
  parentPort.postMessage({ items: answer.data.adventureList.items.length, ioThreads: await settledIoThreads(workerData.expected) })
})
`

function cycle () {
  return new Promise((resolve, reject) => {
    const worker = new Worker(inWorker, { eval: true, workerData: { module: require.resolve('../..'), ioThreadsModule: require.resolve('./io-threads'), expected: Number(process.env.AEM_HEADLESS_WORKER_THREADS), serviceURL, auth, ca: fs.readFileSync(caFile, 'utf8') } })
    let result
    worker.once('message', (message) => { result = message })
    worker.once('error', reject)
    worker.once('exit', () => (result ? resolve(result) : reject(new Error('the worker gave no result'))))
  })
}

async function main () {
  const results = []
  for (let i = 0; i < 3; i++) results.push(await cycle())
  process.stdout.write(JSON.stringify(results))
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
