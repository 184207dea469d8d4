#!/usr/bin/env node
// AEM's OpenAPI-based Sites API with the managed token: lists every content fragment, page by page
// (`limit` and `cursor`), and renames one safely: it reads the fragment and its ETag, then sends
// the change with If-Match, reading again if another writer came first (412 Precondition Failed).
//
//   node examples/sites-api.js AEM_HOST CREDENTIALS_FILE [FRAGMENT_ID NEW_TITLE]
//
// On failure it prints the error's toJSON() (with AEM's problem details) on stderr and exits 1.
const { AEMHeadless } = require('aem-headless-rs')

const FRAGMENTS = '/adobe/sites/cf/fragments'

/** Renames a fragment with If-Match; a 412 means someone else wrote first: read and try again. */
async function rename (aem, id, title) {
  for (let attempt = 1; ; attempt++) {
    const { etag, body: current } = await aem.request(`${FRAGMENTS}/${id}`, { full: true })
    try {
      const updated = await aem.request(`${FRAGMENTS}/${id}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json-patch+json', 'If-Match': etag },
        body: JSON.stringify([{ op: 'replace', path: '/title', value: title }])
      })
      return { from: current.data.title, to: updated.data.title, attempt }
    } catch (error) {
      if (error.sdkDetails?.status !== 412 || attempt === 3) throw error
    }
  }
}

async function run () {
  const [aemHost, credentialsFile, id, title] = process.argv.slice(2)
  if (!aemHost || !credentialsFile) {
    console.error('usage: node examples/sites-api.js AEM_HOST CREDENTIALS_FILE [FRAGMENT_ID NEW_TITLE]')
    process.exitCode = 2
    return
  }
  // The token comes from the credentials and renews itself; X-Api-Key is their client id.
  const aem = new AEMHeadless({ serviceURL: aemHost, credentials: credentialsFile })
  try {
    let count = 0
    for await (const fragment of aem.paginate(FRAGMENTS, { query: { limit: 10 } })) {
      console.log(`${fragment.id}  ${fragment.title}`)
      count++
    }
    console.log(`${count} fragments`)
    if (id) {
      const { from, to, attempt } = await rename(aem, id, title || 'Renamed')
      console.log(`renamed ${id} from ${JSON.stringify(from)} to ${JSON.stringify(to)} (attempt ${attempt})`)
    }
  } catch (e) {
    console.error(typeof e.toJSON === 'function' ? e.toJSON() : e)
    process.exitCode = 1
  }
}

run()
