'use strict'

// Runs the same calls through a client package (Adobe's or ours) in a fresh process, so that
// NODE_EXTRA_CA_CERTS is read at start as Adobe's client needs, and prints each result as JSON.
//
//   node run-calls.js MODULE SERVICE_URL AUTH CREDENTIALS_FILE

const vectors = require('./variable-vectors')

const [modulePath, serviceURL, auth, credentialsFile] = process.argv.slice(2)
const AEMHeadless = require(modulePath)
const { getToken } = AEMHeadless

async function outcome (promise) {
  try {
    return { ok: await promise }
  } catch (error) {
    return { code: error.code, status: error.sdkDetails && error.sdkDetails.status }
  }
}

async function main () {
  const aem = new AEMHeadless({ serviceURL, auth })
  const results = []
  for (const value of vectors) {
    results.push(await outcome(aem.runPersistedQuery('test/echo', { v: value })))
  }
  results.push(await outcome(aem.runPersistedQuery('test/echo', { a: 'x', n: 2, flag: true, list: [1, 2], obj: { k: 'v' } })))
  results.push(await outcome(aem.runPersistedQuery('test/echo', {})))
  results.push(await outcome(aem.runPersistedQuery('test/echo', { a: 'x;y', n: 5 }, { method: 'POST' })))
  results.push(await outcome(aem.runPersistedQuery('wknd-shared/adventures-all', { imageWidth: 1200 })))
  results.push(await outcome(aem.runQuery('{ adventureList(limit: 2) { items { slug } } }')))
  results.push(await outcome(aem.runQuery({ query: 'query($n: Int) { adventureList(limit: $n) { items { slug } } }', variables: { n: 1 } })))
  for (const path of ['test/error-500', 'test/error-400', 'test/query-error', 'test/html-502', 'test/not-json', 'wknd-shared/nope']) {
    results.push(await outcome(aem.runPersistedQuery(path)))
  }
  results.push(await outcome(new AEMHeadless({ serviceURL, auth: 'bogus' }).runPersistedQuery('wknd-shared/adventures-all')))
  results.push(await outcome(new AEMHeadless({ serviceURL, auth: ['admin', 'admin'] }).runPersistedQuery('wknd-shared/adventures-all')))
  // Outside ASCII: btoa's ISO-8859-1 bytes, not UTF-8's.
  results.push(await outcome(new AEMHeadless({ serviceURL, auth: ['admin', 'pä:ss'] }).runPersistedQuery('wknd-shared/adventures-all')))
  const token = await outcome(getToken(credentialsFile))
  results.push({ token: token.ok ? { type: token.ok.type, expires: token.ok.expires } : token })
  results.push(await outcome(new AEMHeadless({ serviceURL, auth: token.ok && token.ok.accessToken }).runPersistedQuery('wknd-shared/adventures-all')))
  process.stdout.write(JSON.stringify(results))
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
