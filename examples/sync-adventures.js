#!/usr/bin/env node
// A sync job: pages through every adventure with runPaginatedQuery and writes them to a JSON
// file, replacing it only once the whole list has arrived.
//
//   node examples/sync-adventures.js AEM_HOST CREDENTIALS_FILE OUT_FILE [PAGE_SIZE]
//
// The credentials (service credentials, OAuth Server-to-Server or a development token) give a
// token that refreshes itself, however long the job runs. It prints how many adventures it
// wrote; on failure it prints the error's toJSON() on stderr and exits 1.
const fs = require('node:fs')
const { AEMHeadless } = require('aem-headless-rs')

const FIELDS = '{ _path title slug activity price tripLength }'

async function run () {
  const [aemHost, credentialsFile, outFile, pageSize = '10'] = process.argv.slice(2)
  if (!aemHost || !credentialsFile || !outFile) {
    console.error('usage: node examples/sync-adventures.js AEM_HOST CREDENTIALS_FILE OUT_FILE [PAGE_SIZE]')
    process.exitCode = 2
    return
  }
  try {
    const aem = new AEMHeadless({ serviceURL: aemHost, credentials: credentialsFile })
    const adventures = []
    let pages = 0
    for await (const page of aem.runPaginatedQuery('adventure', FIELDS, { pageSize: Number(pageSize) })) {
      adventures.push(...page)
      pages++
    }
    // Write beside the target, then rename: readers never see half a file.
    const partial = `${outFile}.partial`
    fs.writeFileSync(partial, JSON.stringify({ syncedAt: new Date().toISOString(), adventures }, null, 2))
    fs.renameSync(partial, outFile)
    console.log(`wrote ${adventures.length} adventures in ${pages} pages to ${outFile}`)
  } catch (e) {
    console.error(typeof e.toJSON === 'function' ? e.toJSON() : e)
    process.exitCode = 1
  }
}

run()
