'use strict'

// The emulator of bench/upload.js, in its own process so that its CPU and memory are not the
// contenders': AEM's direct binary upload with AEM's part sizes (the emulator's defaults). It sends
// the parent its URL, the file of its CA and a dev token, then answers messages:
//   {type: 'check', folder}  the assets under `folder`: {count, bytes}
//   {type: 'reset'}          forgets every asset and folder and deletes their files
//   {type: 'cpu'}            its own CPU time so far, for the parent to take differences
// Every answer carries the `id` of its message. It stops when the parent disconnects.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startEmulator } = require('../../emulator')

async function main () {
  const emu = await startEmulator()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aem-bench-upload-emulator-'))
  const files = emu.writeFiles(dir)
  const stop = async () => {
    await emu.close().catch(() => {})
    fs.rmSync(dir, { recursive: true, force: true })
    process.exit(0)
  }
  process.on('disconnect', stop)
  process.on('message', async (message) => {
    const answer = (body) => process.send({ id: message.id, ...body })
    try {
      if (message.type === 'check') {
        const prefix = `${message.folder}/`
        const assets = emu.assets.list().filter((asset) => asset.path.startsWith(prefix))
        answer({ count: assets.length, bytes: assets.reduce((sum, asset) => sum + asset.size, 0) })
      } else if (message.type === 'reset') {
        await emu.reset()
        answer({})
      } else if (message.type === 'cpu') {
        answer({ cpu: process.cpuUsage() })
      } else {
        answer({ error: `unknown message ${message.type}` })
      }
    } catch (error) {
      answer({ error: String(error && error.stack) })
    }
  })
  process.send({ type: 'ready', url: emu.url, caFile: files.caFile, token: emu.devToken.accessToken, settings: emu.uploads.settings })
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
