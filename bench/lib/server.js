'use strict'

// Starts the benchmark server (server-process.js) in its own process and gives its address and
// certificate; its CPU statistics are at `GET /_stats`.

const { fork } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

/**
 * @returns {Promise<{url: string, caFile: string, sizes: Record<string, number>,
 *   close(): void}>}
 */
function startServer () {
  const child = fork(path.join(__dirname, 'server-process.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`the bench server exited with ${code}`)))
    child.once('message', ({ port, cert, sizes }) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aem-bench-'))
      const caFile = path.join(dir, 'ca.pem')
      fs.writeFileSync(caFile, cert)
      const url = `https://127.0.0.1:${port}`
      resolve({
        url,
        caFile,
        sizes,
        close () {
          child.removeAllListeners('exit')
          child.kill()
          fs.rmSync(dir, { recursive: true, force: true })
        }
      })
    })
  })
}

module.exports = { startServer }
