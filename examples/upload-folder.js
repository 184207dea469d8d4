#!/usr/bin/env node
// An upload job: sends a local folder tree to the DAM by direct binary upload, creating the
// folders, a few parts at a time, and prints one line per file and the totals.
//
//   node examples/upload-folder.js AEM_HOST CREDENTIALS_FILE LOCAL_DIR /content/dam/TARGET
//
// The parts go straight to AEM's blob store (without AEM's token); memory stays at about
// `concurrency` parts whatever the files' sizes. Ctrl-C cancels: no half-made asset is left.
// It exits 1 when any file failed.
const { AEMHeadless } = require('aem-headless-rs')

async function run () {
  const [aemHost, credentialsFile, localDir, target] = process.argv.slice(2)
  if (!aemHost || !credentialsFile || !localDir || !target) {
    console.error('usage: node examples/upload-folder.js AEM_HOST CREDENTIALS_FILE LOCAL_DIR /content/dam/TARGET')
    process.exitCode = 2
    return
  }
  const aem = new AEMHeadless({ serviceURL: aemHost, credentials: credentialsFile })
  const cancel = new AbortController()
  process.once('SIGINT', () => cancel.abort())
  const result = await aem.upload(target, [localDir], {
    concurrency: 8,
    signal: cancel.signal,
    onProgress (event) {
      if (event.type === 'foldercreated') console.log(`folder ${event.targetFolder}`)
      if (event.type === 'fileend') console.log(`uploaded ${event.targetFile} (${event.fileSize} bytes)`)
      if (event.type === 'fileerror') console.error(`failed ${event.targetFile}: ${event.errors.map((e) => `${e.code} ${e.message}`).join('; ')}`)
    }
  })
  const { uploaded, failed, cancelled, bytes, elapsedMs } = result.totals
  console.log(`${uploaded} uploaded, ${failed} failed, ${cancelled} cancelled: ${bytes} bytes in ${Math.round(elapsedMs)} ms`)
  if (failed > 0 || cancelled > 0) process.exitCode = 1
}

run().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
