'use strict'

// Runs persisted-query management and pagination through a client package (Adobe's or ours) in a
// fresh process and prints each result as JSON.
//
//   node run-methods.js MODULE SERVICE_URL AUTH

const [modulePath, serviceURL, auth] = process.argv.slice(2)
const AEMHeadless = require(modulePath)

async function outcome (promise) {
  try {
    return { ok: await promise }
  } catch (error) {
    return { code: error.code, status: error.sdkDetails && error.sdkDetails.status }
  }
}

async function pages (iterator, max = 20) {
  const out = []
  try {
    for await (const page of iterator) {
      out.push(page)
      if (out.length >= max) break
    }
  } catch (error) {
    out.push({ code: error.code })
  }
  return out
}

async function main () {
  const aem = new AEMHeadless({ serviceURL, auth })
  const query = '{ articleList(limit: 3) { items { slug } } }'
  const results = []
  results.push(await outcome(aem.persistQuery(query, 'diff/first-three')))
  results.push(await outcome(aem.persistQuery(query, 'diff/first-three')))
  results.push(await outcome(aem.persistQuery(JSON.stringify({ query: 'query($n: Int) { articleList(limit: $n) { items { slug } } }', 'cache-control': { 'max-age': 300 } }), 'diff/first-n')))
  results.push(await outcome(aem.persistQuery('{ articleList(limit: 1) { items { slug } } }', 'diff/first-three', { method: 'POST' })))
  results.push(await outcome(aem.persistQuery('{ nope }', 'diff/invalid')))
  results.push(await outcome(aem.listPersistedQueries()))
  results.push(await outcome(aem.runPersistedQuery('diff/first-three')))
  results.push(await outcome(aem.runPersistedQuery('diff/first-n', { n: 4 })))
  results.push(await outcome(aem.runPersistedQuery('diff/first-n', { n: 2 }, { method: 'POST' })))
  results.push(await pages(aem.runPaginatedQuery('article', '{ slug title }', { pageSize: 10 })))
  results.push(await pages(aem.runPaginatedQuery('article', '{ slug }', { pageSize: 25 }, { sort: 'title' })))
  results.push(await pages(aem.runPaginatedQuery('adventure', '{ slug }', { pageSize: 5, after: Buffer.from('cursor:9').toString('base64') })))
  results.push(await pages(aem.runPaginatedQuery('adventure', '{ title }', {}, { _path: '/content/dam/aem-demo-assets/en/adventures/bali-surf-camp/bali-surf-camp' }), 1))
  results.push(await pages(aem.runPaginatedQuery('adventure', '{ nope }', { pageSize: 5 })))
  for (const [model, fields, config, args] of require('./build-query-cases')) {
    results.push(aem.buildQuery(model, fields, config, args))
  }
  process.stdout.write(JSON.stringify(results))
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
