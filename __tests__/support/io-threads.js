'use strict'

// How many of this process's threads are the Rust side's I/O threads, counted through /proc
// (Linux only).
//
// The runtime starts its workers when it is built, but each worker names itself only once it is
// first scheduled, which on a loaded machine can be after the first call has settled. So
// `settledIoThreads(expected)` waits (up to 10 s) for the expected count, then counts again a
// moment later, so that a thread too many shows as well as one too few.

const fs = require('node:fs')
const { setTimeout: sleep } = require('node:timers/promises')

const THREAD_NAME = 'aem-headless-io'

function ioThreads () {
  return fs.readdirSync('/proc/self/task').filter((id) => {
    try { return fs.readFileSync(`/proc/self/task/${id}/comm`, 'utf8').trim() === THREAD_NAME } catch { return false }
  }).length
}

async function settledIoThreads (expected) {
  const deadline = Date.now() + 10_000
  while (ioThreads() !== expected && Date.now() < deadline) await sleep(20)
  await sleep(200)
  return ioThreads()
}

module.exports = { ioThreads, settledIoThreads }
