'use strict'

// One upload of bench/upload.js, in a fresh process: uploads the local directory `dir` into the
// DAM folder `target` with one contender, then sends the parent (over IPC, since Adobe's
// httptransfer writes to stdout) {wallMs, maxRssKiB, cpuMs, reported, errors}: the wall time from
// the start of the upload call to its end, the process's peak RSS (getrusage maxrss, KiB), its CPU
// time during the upload, and the number of files the contender says it uploaded.
//
//   node upload-worker.js '{"contender":"adobe|ours|dropin|fetch","url":…,"token":…,"target":…,"dir":…}'
//
// The emulator's CA is trusted through NODE_EXTRA_CA_CERTS, which the parent sets.

const fs = require('node:fs')
const path = require('node:path')

/** Adobe's FileSystemUpload, or our drop-in of it, with the same options: deep, default concurrency, a Bearer header. */
async function fileSystemUpload (modulePath, { url, token, target, dir }) {
  const { FileSystemUpload, FileSystemUploadOptions } = require(modulePath)
  const options = new FileSystemUploadOptions()
    .withUrl(`${url}${target}`)
    .withHttpOptions({ headers: { Authorization: `Bearer ${token}` } })
    .withDeepUpload(true)
    // Both refuse more than 1,000 files (and folders) by default; the workload has 1,200 files.
    .withMaxUploadFiles(100000)
  const uploader = new FileSystemUpload()
  return async () => {
    const result = await uploader.upload(options, [dir])
    const errors = [...(result.errors || []), ...(result.detailedResult || []).flatMap((file) => (file.result && file.result.errors) || [])]
    return { reported: result.totalCompleted, errors: errors.map((error) => JSON.stringify(error)).slice(0, 5) }
  }
}

/** Ours: `aem.upload(target, [dir])` with its defaults. */
function ours ({ url, token, target, dir }) {
  const AEMHeadless = require('../..')
  const aem = new AEMHeadless({ serviceURL: url, auth: token })
  return async () => {
    const result = await aem.upload(target, [dir])
    const errors = result.files.flatMap((file) => file.errors || []).map(String).slice(0, 5)
    return { reported: result.totals.uploaded, errors }
  }
}

/** The files under `dir` and its folders (parents first), as DAM paths under `target`. */
function walk (dir, target) {
  const folders = []
  const files = []
  const visit = (local, folder) => {
    for (const entry of fs.readdirSync(local, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(local, entry.name)
      if (entry.isDirectory()) {
        folders.push(`${folder}/${entry.name}`)
        visit(full, `${folder}/${entry.name}`)
      } else {
        files.push({ local: full, folder, name: entry.name, size: fs.statSync(full).size })
      }
    }
  }
  visit(dir, target)
  return { folders, files }
}

/**
 * The reference: the same protocol with nothing but Node's `fetch` and no error handling — folders
 * one by one, `initiateUpload` for 50 files at a time, parts read into a Buffer and PUT 8 at a time
 * (as ours), `completeUpload` per file. What a plain client gets from the emulator.
 */
function plainFetch ({ url, token, target, dir }) {
  const auth = { authorization: `Bearer ${token}` }
  const form = { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }
  const check = async (response, what) => {
    const text = await response.text()
    if (!response.ok && !(what === 'folder' && response.status === 409)) throw new Error(`${what}: HTTP ${response.status} ${text.slice(0, 200)}`)
    return text
  }
  return async () => {
    const { folders, files } = walk(dir, target)
    for (const folder of [target, ...folders]) {
      const response = await fetch(`${url}/api/assets${folder.slice('/content/dam'.length)}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ class: 'assetFolder', properties: { title: folder.slice(folder.lastIndexOf('/') + 1) } })
      })
      await check(response, 'folder')
    }
    const byFolder = new Map()
    for (const file of files) {
      if (!byFolder.has(file.folder)) byFolder.set(file.folder, [])
      byFolder.get(file.folder).push(file)
    }
    // Every part of every file, in order, and a count of parts left per file for its complete.
    const parts = []
    const completes = []
    for (const [folder, inFolder] of byFolder) {
      for (let i = 0; i < inFolder.length; i += 50) {
        const batch = inFolder.slice(i, i + 50)
        const body = new URLSearchParams()
        for (const file of batch) {
          body.append('fileName', file.name)
          body.append('fileSize', String(file.size))
        }
        const response = await fetch(`${url}${folder}.initiateUpload.json`, { method: 'POST', headers: { ...auth, ...form }, body: body.toString() })
        const answer = JSON.parse(await check(response, 'initiateUpload'))
        batch.forEach((file, j) => {
          const { uploadURIs, uploadToken, mimeType, minPartSize } = answer.files[j]
          // Parts of at least minPartSize (but the last), over as many of the URIs as that takes.
          const partSize = Math.max(minPartSize, Math.ceil(file.size / uploadURIs.length))
          const count = Math.ceil(file.size / partSize)
          const state = { left: count, file, completeURI: answer.completeURI, uploadToken, mimeType }
          for (let k = 0; k < count; k++) parts.push({ uri: uploadURIs[k], start: k * partSize, end: Math.min(file.size, (k + 1) * partSize), state })
        })
      }
    }
    let reported = 0
    const complete = async (state) => {
      const body = new URLSearchParams({ uploadToken: state.uploadToken, fileName: state.file.name, mimeType: state.mimeType })
      const response = await fetch(`${url}${state.completeURI}`, { method: 'POST', headers: { ...auth, ...form }, body: body.toString() })
      await check(response, 'completeUpload')
      reported++
    }
    let next = 0
    const worker = async () => {
      while (next < parts.length) {
        const part = parts[next++]
        const bytes = Buffer.allocUnsafe(part.end - part.start)
        const handle = await fs.promises.open(part.state.file.local)
        try {
          await handle.read(bytes, 0, bytes.length, part.start)
        } finally {
          await handle.close()
        }
        await check(await fetch(part.uri, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: bytes }), 'part')
        if (--part.state.left === 0) completes.push(complete(part.state))
      }
    }
    await Promise.all(Array.from({ length: 8 }, worker))
    await Promise.all(completes)
    return { reported, errors: [] }
  }
}

async function main () {
  const config = JSON.parse(process.argv[2])
  const prepare = {
    adobe: () => fileSystemUpload(require('../../__tests__/support/adobe-upload').adobeUploadPath(), config),
    dropin: () => fileSystemUpload('aem-headless-rs/upload', config),
    ours: () => ours(config),
    fetch: () => plainFetch(config)
  }[config.contender]
  if (!prepare) throw new Error(`unknown contender ${config.contender}`)
  const run = await prepare()
  const cpuBefore = process.cpuUsage()
  const start = process.hrtime.bigint()
  const outcome = await run()
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6
  const cpu = process.cpuUsage(cpuBefore)
  process.send({ wallMs, maxRssKiB: process.resourceUsage().maxRSS, cpuMs: (cpu.user + cpu.system) / 1000, ...outcome }, () => process.exit(0))
}

main().catch((error) => {
  process.send({ failure: String((error && error.stack) || error) }, () => process.exit(1))
})
