'use strict'

// The emulator as the package ships it, `aem-headless-rs/emulator`: an app's own models,
// fragments, persisted queries and users, cache headers and failures, seen through the package's
// client; the command line with a fixtures folder; useEmulator under node:test and jest; the error
// without the optional peer dependency; the types as an app's TypeScript sees them; and a fresh app
// that installs the packed tarballs (and graphql, from the registry) and runs an integration test.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const readline = require('node:readline')
const { execFile, spawn } = require('node:child_process')
const { promisify } = require('node:util')
const AEMHeadless = require('..')
const { startEmulator, readFixtures } = require('aem-headless-rs/emulator')

const run = promisify(execFile)
const ROOT = path.join(__dirname, '..')
const EMULATOR = path.join(ROOT, 'emulator')
const BIN = path.join(ROOT, 'bin', 'aem-headless-rs.js')
const WITHOUT_GRAPHQL = path.join(__dirname, 'support', 'without-graphql.js')
const MANIFEST = require('../package.json')
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx'
/** The environment of an app's test run started from here: not a child of this run's runner, and without this package's own settings. */
const RUNNER_ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_TEST_CONTEXT' && !name.startsWith('AEM_HEADLESS_')))

/** An app's Content Fragment Models: an article refers to its author. */
const MODELS = {
  author: { name: 'String', bio: 'MultiFormatString' },
  article: { title: 'String', slug: 'String', publishDate: 'Calendar', tags: '[String]', author: 'AuthorModel' }
}
const ADA = '/content/dam/my-app/authors/ada'
const FRAGMENTS = {
  author: [{ _path: ADA, name: 'Ada', bio: { html: '<p>Engineer</p>', plaintext: 'Engineer' } }],
  article: [
    { _path: '/content/dam/my-app/articles/one', title: 'One', slug: 'one', publishDate: '2024-05-01', tags: ['news'], author: ADA },
    { _path: '/content/dam/my-app/articles/two', title: 'Two', slug: 'two', publishDate: '2024-05-02', tags: [], author: null }
  ]
}
const ALL_ARTICLES = '{ articleList { items { _path title publishDate tags author { name bio { plaintext } } } } }'
const ARTICLE_BY_SLUG = `query ($slug: String!) {
  articleList(filter: {slug: {_expressions: [{value: $slug, _operator: EQUALS}]}}) { items { title author { name } } }
}`
const PUBLISH_SURROGATE = 'max-age=7200, stale-while-revalidate=86400, stale-if-error=86400'

let emu
let client
let dir

before(async () => {
  emu = await startEmulator()
  client = new AEMHeadless({ serviceURL: emu.url, auth: emu.devToken.accessToken, ca: emu.caPem })
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aem-emulator-package-'))
})
after(async () => {
  if (emu) await emu.close()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

/** The first line of a child's stdout; the rest is read on and dropped. */
function firstLine (stream) {
  return readline.createInterface({ input: stream })[Symbol.asyncIterator]().next().then(({ value }) => value)
}

/** The persisted-query requests for `conf/name` the emulator received. */
function requestsFor (query) {
  return emu.requests.filter((r) => r.url.startsWith(`/graphql/execute.json/${query}`))
}

test('an app\'s own models, fragments and persisted queries answer through AEMHeadless, with AEM\'s cache headers', async () => {
  emu.load({
    models: MODELS,
    fragments: FRAGMENTS,
    persistedQueries: {
      'my-app/articles': { query: ALL_ARTICLES, 'cache-control': { 'max-age': 300 } },
      'my-app/article-by-slug': ARTICLE_BY_SLUG
    }
  })
  const { data } = await client.runPersistedQuery('my-app/articles')
  assert.deepEqual(data.articleList.items, [
    { _path: '/content/dam/my-app/articles/one', title: 'One', publishDate: '2024-05-01', tags: ['news'], author: { name: 'Ada', bio: { plaintext: 'Engineer' } } },
    { _path: '/content/dam/my-app/articles/two', title: 'Two', publishDate: '2024-05-02', tags: [], author: null }
  ], 'the app\'s article model replaced the built-in one, and the reference is resolved')
  const bySlug = await client.runPersistedQuery('my-app/article-by-slug', { slug: 'two' })
  assert.deepEqual(bySlug.data.articleList.items, [{ title: 'Two', author: null }])

  // AEM's cache headers: the query's own max-age, the tier's Surrogate-Control, validators.
  const own = await client.request('/graphql/execute.json/my-app/articles', { full: true })
  assert.equal(own.status, 200)
  assert.equal(own.headers.get('cache-control'), 'max-age=300')
  assert.equal(own.headers.get('surrogate-control'), PUBLISH_SURROGATE)
  assert.match(own.headers.get('etag'), /^"[\w-]+"$/)
  assert.ok(own.headers.get('last-modified'))
  const tier = await client.request('/graphql/execute.json/my-app/article-by-slug%3Bslug%3Done%3B', { full: true })
  assert.equal(tier.headers.get('cache-control'), 'max-age=60')

  // The schema AEM generates: Paginated and ByPath too, over the app's fragments.
  const adHoc = await client.runQuery({
    query: `{ articlePaginated(first: 1) { edges { node { title } } pageInfo { hasNextPage } }
      articleByPath(_path: "/content/dam/my-app/articles/two") { item { slug } } }`
  })
  assert.deepEqual(adHoc.data, {
    articlePaginated: { edges: [{ node: { title: 'One' } }], pageInfo: { hasNextPage: true } },
    articleByPath: { item: { slug: 'two' } }
  })
  const listed = await client.listPersistedQueries()
  assert.deepEqual(listed.find((c) => c.configurationName === 'my-app').queries.map((q) => q.path.shortForm), ['/my-app/article-by-slug', '/my-app/articles'])
})

test('setCacheHeaders changes the defaults, and a caching client keeps answers as long as they say', async () => {
  emu.setCacheHeaders({ 'cache-control': { 'max-age': 0 }, 'surrogate-control': { 'max-age': 600, 'stale-while-revalidate': 0, 'stale-if-error': 0 } })
  const path = '/graphql/execute.json/my-app/article-by-slug%3Bslug%3Done%3B'
  const changed = await client.request(path, { full: true })
  assert.equal(changed.headers.get('cache-control'), 'max-age=0')
  assert.equal(changed.headers.get('surrogate-control'), 'max-age=600, stale-while-revalidate=0, stale-if-error=0')
  const own = await client.request('/graphql/execute.json/my-app/articles', { full: true })
  assert.equal(own.headers.get('cache-control'), 'max-age=300', 'a query\'s own values win')

  const cached = new AEMHeadless({ serviceURL: emu.url, auth: emu.devToken.accessToken, ca: emu.caPem, cache: true })
  const { persistedQueries, notModified } = emu.stats
  for (let i = 0; i < 3; i++) await cached.runPersistedQuery('my-app/articles')
  assert.equal(emu.stats.persistedQueries - persistedQueries, 1, 'max-age=300: one request, then the cache')
  for (let i = 0; i < 3; i++) await cached.runPersistedQuery('my-app/article-by-slug', { slug: 'one' })
  assert.equal(emu.stats.persistedQueries - persistedQueries, 4, 'max-age=0 and no stale window: a request every time')
  assert.equal(emu.stats.notModified - notModified, 2, 'revalidated with the ETag: 304s')

  emu.setCacheHeaders(null)
  assert.equal((await client.request(path, { full: true })).headers.get('cache-control'), 'max-age=60')
  assert.throws(() => emu.setCacheHeaders({ 'cache-control': { 'max-age': -1 } }), /'cache-control' must be/)
  assert.throws(() => emu.setCacheHeaders({ maxAge: 5 }), TypeError)
})

test('what the content does not allow is a TypeError that says why, and changes nothing', async () => {
  assert.throws(() => emu.persistQuery('my-app/broken', '{ articleList { items { nope } } }'), {
    name: 'TypeError',
    message: 'persisted query "my-app/broken": Cannot query field "nope" on type "ArticleModel".'
  })
  assert.throws(() => emu.persistQuery('wknd-shared/adventures-all', '{ articleList { items { title } } }'), /built into the emulator/)
  assert.throws(() => emu.persistQuery('no-slash', '{ articleList { items { title } } }'), /a path is conf\/name/)
  assert.throws(() => emu.addModel('person', { name: 'Strng' }), /Unknown type "Strng"/)
  assert.throws(() => emu.addFragments('nothing', [{}]), /no such model/)
  assert.throws(() => emu.load({ model: {} }), /unknown model/)
  await assert.rejects(client.runPersistedQuery('my-app/broken'), (error) => error.sdkDetails.status === 404)
  assert.equal((await client.runPersistedQuery('my-app/articles')).data.articleList.items.length, 2)
})

test('a Basic-auth user of the app\'s is let in; a wrong password is not', async () => {
  emu.addUser('editor', 'pa:ss w0rd')
  const editor = new AEMHeadless({ serviceURL: emu.url, auth: ['editor', 'pa:ss w0rd'], ca: emu.caPem })
  assert.equal((await editor.runPersistedQuery('my-app/articles')).data.articleList.items.length, 2)
  const wrong = new AEMHeadless({ serviceURL: emu.url, auth: ['editor', 'nope'], ca: emu.caPem })
  await assert.rejects(wrong.runPersistedQuery('my-app/articles'), (error) => error.sdkDetails.status === 401)
  const admin = new AEMHeadless({ serviceURL: emu.url, auth: ['admin', 'admin'], ca: emu.caPem })
  assert.ok((await admin.runPersistedQuery('my-app/articles')).data)
})

test('fail(): a 503, then success, which the client\'s retries see; Retry-After and the app\'s own body', async () => {
  emu.clearRequests()
  emu.fail(1, { status: 503, path: '/graphql/execute.json/my-app/articles' })
  assert.equal((await client.runPersistedQuery('my-app/articles')).data.articleList.items.length, 2)
  assert.equal(requestsFor('my-app/articles').length, 2, 'the 503, then the retry')

  emu.fail(1, { status: 503 })
  const once = await client.runPersistedQuery('my-app/articles', {}, {}, { maxRetries: 0 }).catch((e) => e)
  assert.equal(once.sdkDetails.status, 503)
  assert.equal(once.sdkDetails.attempts, 1)

  emu.fail(1, { status: 429, retryAfter: 1, path: '/graphql/execute.json/my-app/' })
  const started = Date.now()
  await client.runPersistedQuery('my-app/articles')
  assert.ok(Date.now() - started >= 900, 'the client waited for Retry-After')

  emu.fail(1, { status: 500, body: { errors: [{ message: 'the app\'s own failure' }] }, method: 'GET' })
  const error = await client.runPersistedQuery('my-app/articles', {}, {}, { maxRetries: 0 }).catch((e) => e)
  assert.equal(error.code, 'API_ERROR')
  assert.deepEqual(error.sdkDetails.body, { errors: [{ message: 'the app\'s own failure' }] })

  emu.fail(5, { status: 503 })
  emu.clearFaults()
  assert.ok((await client.runPersistedQuery('my-app/articles', {}, {}, { maxRetries: 0 })).data)
})

test('an IMS failure: the token request is retried; an outage: AEM answers 503 until it ends', async () => {
  const withCredentials = new AEMHeadless({ serviceURL: emu.url, credentials: emu.credentials, ca: emu.caPem })
  const exchanges = emu.stats.exchanges
  emu.failNextTokenRequests(1)
  assert.ok((await withCredentials.runPersistedQuery('my-app/articles')).data)
  assert.equal(emu.stats.exchanges - exchanges, 2)

  await emu.setAemOutage('503')
  const down = await client.runPersistedQuery('my-app/articles', {}, {}, { maxRetries: 0 }).catch((e) => e)
  assert.equal(down.sdkDetails.status, 503)
  await emu.setAemOutage(null)
  assert.ok((await client.runPersistedQuery('my-app/articles')).data)
})

test('reset() goes back to the start: the load option\'s content stays, the rest goes', async () => {
  const loaded = await startEmulator({ load: { persistedQueries: { 'my-app/first': '{ articleList(limit: 1) { items { title } } }' } } })
  try {
    const aem = new AEMHeadless({ serviceURL: loaded.url, auth: loaded.devToken.accessToken, ca: loaded.caPem })
    loaded.load({ models: MODELS, fragments: FRAGMENTS, users: { editor: 'secret' } })
    loaded.persistQuery('my-app/extra', ALL_ARTICLES)
    loaded.fail(3, { status: 500 })
    loaded.failNextTokenRequests(2)
    loaded.setTokenLifetime(5)
    await loaded.reset()
    assert.deepEqual(loaded.requests, [])
    assert.equal(loaded.stats.persistedQueries, 0)
    const first = await aem.runPersistedQuery('my-app/first', {}, {}, { maxRetries: 0 })
    assert.equal(first.data.articleList.items[0].title, 'Field Notes: Surfing the Algarve', 'the built-in articles are back')
    await assert.rejects(aem.runPersistedQuery('my-app/extra'), (error) => error.sdkDetails.status === 404)
    const editor = new AEMHeadless({ serviceURL: loaded.url, auth: ['editor', 'secret'], ca: loaded.caPem })
    await assert.rejects(editor.runPersistedQuery('my-app/first'), (error) => error.sdkDetails.status === 401)
    const token = await new AEMHeadless.TokenProvider(loaded.credentials, { ca: loaded.caPem }).getAccessToken()
    assert.ok(token.expiresAt - Date.now() > 60 * 60 * 1000, 'the starting token lifetime, and IMS answers at once')
  } finally {
    await loaded.close()
  }
})

test('the command line serves a fixtures folder and --queries, prints its files, and stops on SIGTERM', async () => {
  const fixtures = path.join(dir, 'fixtures')
  fs.mkdirSync(path.join(fixtures, 'queries', 'my-app'), { recursive: true })
  fs.writeFileSync(path.join(fixtures, 'models.json'), JSON.stringify(MODELS))
  fs.writeFileSync(path.join(fixtures, 'fragments.json'), JSON.stringify(FRAGMENTS))
  fs.writeFileSync(path.join(fixtures, 'users.json'), JSON.stringify({ editor: 'secret' }))
  fs.writeFileSync(path.join(fixtures, 'queries', 'my-app', 'articles.graphql'), ALL_ARTICLES)
  const queries = path.join(dir, 'queries.json')
  fs.writeFileSync(queries, JSON.stringify({ 'my-app/article-by-slug': { query: ARTICLE_BY_SLUG, 'cache-control': { 'max-age': 30 } } }))
  assert.deepEqual(Object.keys(readFixtures(fixtures)).sort(), ['fragments', 'models', 'persistedQueries', 'users'])

  const out = path.join(dir, 'cli-out')
  const child = spawn(process.execPath, [BIN, 'emulator', '--port', '0', '--out', out, '--fixtures', fixtures, '--queries', queries], { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  try {
    const printed = JSON.parse(await firstLine(child.stdout))
    assert.deepEqual(Object.keys(printed), ['url', 'imsEndpoint', 'credentialsFile', 'devTokenFile', 'caFile'])
    assert.equal(printed.caFile, path.join(out, 'ca.pem'))
    const ca = fs.readFileSync(printed.caFile, 'utf8')
    const editor = new AEMHeadless({ serviceURL: printed.url, auth: ['editor', 'secret'], ca })
    assert.equal((await editor.runPersistedQuery('my-app/articles')).data.articleList.items.length, 2)
    const answer = await editor.request('/graphql/execute.json/my-app/article-by-slug%3Bslug%3Done%3B', { full: true })
    assert.deepEqual(answer.body.data.articleList.items, [{ title: 'One', author: { name: 'Ada' } }])
    assert.equal(answer.headers.get('cache-control'), 'max-age=30')
    const withCredentials = new AEMHeadless({ serviceURL: printed.url, credentials: printed.credentialsFile, ca })
    assert.ok((await withCredentials.runPersistedQuery('my-app/articles')).data)
  } finally {
    child.kill('SIGTERM')
  }
  assert.deepEqual(await exited, { code: 0, signal: null })
  const wrong = await run(process.execPath, [BIN, 'emulator', '--port', 'x']).catch((e) => e)
  assert.equal(wrong.code, 2)
  assert.match(wrong.stderr, /invalid --port: x[\s\S]*aem-headless-rs emulator \[--port N\]/)
})

/** Writes `files` into a fresh folder under the test's temporary folder and returns its path. */
function project (name, files) {
  const root = path.join(dir, name)
  fs.mkdirSync(root, { recursive: true })
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(root, file), text)
  return root
}

/**
 * A test file of an app that uses useEmulator: its own query, the handle's clientOptions with the
 * development token and with service credentials, an emulator per describe block, and the handle
 * refusing to be read before the start. `requireFrom` names the package (a path or its name).
 */
function useEmulatorTestFile (requireFrom) {
  return `'use strict'
const assert = require('node:assert/strict')
const { useEmulator } = require(${JSON.stringify(requireFrom.emulator)})
const { AEMHeadless } = require(${JSON.stringify(requireFrom.main)})

const aem = useEmulator({ load: { persistedQueries: { 'my-app/titles': '{ articleList(limit: 2) { items { title } } }' } } })
assert.throws(() => aem.url, /read while the emulator is not started yet/)

test('the app reads its titles with the development token', async () => {
  const client = new AEMHeadless(aem.clientOptions())
  const { data } = await client.runPersistedQuery('my-app/titles')
  assert.equal(data.articleList.items.length, 2)
})

test('and with service credentials, through IMS', async () => {
  const client = new AEMHeadless(aem.clientOptions({ credentials: aem.credentials }))
  await client.runPersistedQuery('my-app/titles')
  assert.equal(aem.stats.exchanges, 1)
})

describe('a describe block with its own emulator', () => {
  const own = useEmulator()
  test('is another emulator', () => {
    assert.notEqual(own.url, aem.url)
  })
})
`
}

test('useEmulator under node:test: started before the tests, closed after, one per describe block', async () => {
  const root = project('node-test-app', {
    'app.test.js': `const { test, describe } = require('node:test')\n${useEmulatorTestFile({ emulator: EMULATOR, main: ROOT })}`
  })
  // A failed run rejects with its output; either way the report is on stdout.
  const { stdout } = await run(process.execPath, ['--test', 'app.test.js'], { cwd: root, env: RUNNER_ENV }).catch((error) => error)
  assert.match(stdout, /^# pass 3$/m, stdout)
  assert.match(stdout, /^# fail 0$/m, stdout)
})

test('useEmulator under jest: beforeAll and afterAll', async () => {
  const root = project('jest-app', {
    'app.test.js': useEmulatorTestFile({ emulator: EMULATOR, main: ROOT }),
    'jest.config.js': 'module.exports = { testEnvironment: \'node\' }\n'
  })
  const jest = require.resolve('jest/bin/jest')
  const { stdout, stderr } = await run(process.execPath, [jest, '--rootDir', root, '--ci', '--colors=false'], { cwd: root, env: RUNNER_ENV, maxBuffer: 1e7 }).catch((error) => error)
  assert.match(`${stdout}${stderr}`, /Tests:\s+3 passed, 3 total/, `${stdout}${stderr}`)
})

test('without graphql, the package loads and the emulator throws EMULATOR_DEPENDENCIES_MISSING with the command to run', async () => {
  const command = `npm install --save-dev "graphql@${MANIFEST.peerDependencies.graphql}"`
  const script = `
    const AEMHeadless = require(${JSON.stringify(ROOT)})
    new AEMHeadless({ serviceURL: 'https://publish.example', auth: 't' })
    const report = (e) => ({ code: e.code, missing: e.missing, message: e.message })
    let required
    try { require(${JSON.stringify(EMULATOR)}) } catch (e) { required = report(e) }
    import('aem-headless-rs/emulator').then(() => ({}), report).then((imported) => console.log(JSON.stringify({ required, imported })))`
  const { stdout } = await run(process.execPath, ['--require', WITHOUT_GRAPHQL, '-e', script], { cwd: ROOT })
  const { required, imported } = JSON.parse(stdout)
  for (const error of [required, imported]) {
    assert.equal(error.code, 'EMULATOR_DEPENDENCIES_MISSING')
    assert.deepEqual(error.missing, ['graphql'])
    assert.ok(error.message.endsWith(`\n  ${command}`), error.message)
  }
  const cli = await run(process.execPath, ['--require', WITHOUT_GRAPHQL, BIN, 'emulator']).catch((e) => e)
  assert.equal(cli.code, 1)
  assert.ok(cli.stderr.includes(command), cli.stderr)
})

test('the emulator needs nothing from outside Node.js but graphql, an optional peer dependency', () => {
  assert.equal(MANIFEST.peerDependenciesMeta.graphql.optional, true)
  assert.ok(!('graphql' in (MANIFEST.dependencies || {})) && !('graphql' in (MANIFEST.optionalDependencies || {})))
  const outside = new Set()
  for (const file of fs.readdirSync(EMULATOR).filter((f) => f.endsWith('.js'))) {
    // Code lines only: doc comments (` * `) and line comments may quote a require.
    for (const [, name] of fs.readFileSync(path.join(EMULATOR, file), 'utf8').matchAll(/^(?!\s*(?:\*|\/\/)).*?require\('([^']+)'\)/gm)) {
      if (!name.startsWith('node:') && !name.startsWith('.')) outside.add(name)
    }
  }
  assert.deepEqual([...outside], ['graphql'])
})

test('the types of aem-headless-rs/emulator check as an app\'s TypeScript uses them', () => {
  const ts = require('typescript')
  const app = project('typescript-app', {
    'app.mts': `import { startEmulator, useEmulator, readFixtures, type EmulatorContent } from 'aem-headless-rs/emulator'
import AEMHeadless from 'aem-headless-rs'
const content: EmulatorContent = { models: { article: { title: 'String' } }, persistedQueries: { 'my-app/a': { query: '{ articleList { items { title } } }', 'cache-control': { 'max-age': 60 } } } }
const aem = useEmulator({ load: content, tier: 'author' })
export async function run (): Promise<string> {
  const emu = await startEmulator({ port: 0, load: readFixtures('fixtures') })
  emu.persistQuery('my-app/b', '{ articleList { items { title } } }', { 'surrogate-control': { 'stale-if-error': 60 } })
  emu.fail(1, { status: 503, retryAfter: 2, path: '/graphql/execute.json/my-app/' })
  emu.setCacheHeaders(null)
  await emu.setAemOutage('hang')
  const client = new AEMHeadless(aem.clientOptions())
  const withCredentials = new AEMHeadless(aem.clientOptions({ credentials: aem.credentials }))
  await emu.reset()
  // @ts-expect-error a fault's status is a number
  emu.fail(1, { status: '503' })
  return client.serviceURL + withCredentials.serviceURL + emu.credentials.integration.imsEndpoint
}
`
  })
  fs.mkdirSync(path.join(app, 'node_modules', '@types'), { recursive: true })
  fs.symlinkSync(ROOT, path.join(app, 'node_modules', 'aem-headless-rs'), 'dir')
  fs.symlinkSync(path.join(ROOT, 'node_modules', '@types', 'node'), path.join(app, 'node_modules', '@types', 'node'), 'dir')
  const program = ts.createProgram([path.join(app, 'app.mts')], {
    strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, types: ['node'], typeRoots: [path.join(app, 'node_modules', '@types')]
  })
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
  assert.deepEqual(problems, [])
})

/** The integration test of the fresh app: its own content through the installed package. */
const FRESH_APP_TEST = `'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { useEmulator } = require('aem-headless-rs/emulator')
const { AEMHeadless } = require('aem-headless-rs')

const aem = useEmulator({
  load: {
    models: { product: { name: 'String', price: 'Float' } },
    fragments: { product: [{ name: 'Kettle', price: 25 }, { name: 'Teapot', price: 40 }] },
    persistedQueries: { 'shop/products': { query: '{ productList { items { _path name price } } }', 'cache-control': { 'max-age': 120 } } }
  }
})

test('the shop lists its products', async () => {
  const client = new AEMHeadless(aem.clientOptions())
  const { data } = await client.runPersistedQuery('shop/products')
  assert.deepEqual(data.productList.items, [
    { _path: '/content/dam/product/1', name: 'Kettle', price: 25 },
    { _path: '/content/dam/product/2', name: 'Teapot', price: 40 }
  ])
  const answer = await client.request('/graphql/execute.json/shop/products', { full: true })
  assert.equal(answer.headers.get('cache-control'), 'max-age=120')
})

test('the shop gets through a 503 and an IMS hiccup with service credentials', async () => {
  aem.fail(1, { status: 503 })
  aem.failNextTokenRequests(1)
  const client = new AEMHeadless(aem.clientOptions({ credentials: aem.credentials }))
  const { data } = await client.runPersistedQuery('shop/products')
  assert.equal(data.productList.items.length, 2)
})
`

/** The same from an ES module, with startEmulator. */
const FRESH_APP_ESM_TEST = `import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startEmulator } from 'aem-headless-rs/emulator'
import AEMHeadless from 'aem-headless-rs'

test('an ES module starts the emulator and runs a persisted query', async () => {
  const emu = await startEmulator()
  try {
    emu.persistQuery('shop/articles', '{ articleList(limit: 3) { items { title } } }')
    const client = new AEMHeadless({ serviceURL: emu.url, auth: emu.devToken.accessToken, ca: emu.caPem })
    const { data } = await client.runPersistedQuery('shop/articles')
    assert.equal(data.articleList.items.length, 3)
  } finally {
    await emu.close()
  }
})
`

/**
 * The packed tarballs, as the release makes them: `node scripts/pack.js OUT` writes the main
 * tarball and the platform tarball and prints their paths.
 */
async function packTarballs (out) {
  const { stdout } = await run(process.execPath, [path.join(ROOT, 'scripts', 'pack.js'), out], { cwd: ROOT, maxBuffer: 1e7 })
  const tarballs = [...stdout.matchAll(/\S+\.tgz/g)].map(([file]) => path.resolve(ROOT, file))
  assert.equal(tarballs.length, 2, `scripts/pack.js printed ${stdout}`)
  return tarballs
}

const freshAppSkip = process.platform === 'win32' ? 'the command line is stopped through its process group' : false

test('a fresh app installs the two tarballs and graphql, and runs an integration test against the emulator', { skip: freshAppSkip }, async () => {
  const tarballs = await packTarballs(path.join(dir, 'tarballs'))
  const app = project('fresh-app', {
    'package.json': JSON.stringify({ name: 'fresh-app', version: '1.0.0', private: true }),
    'integration.test.js': FRESH_APP_TEST,
    'esm.test.mjs': FRESH_APP_ESM_TEST
  })
  await run(NPM, ['install', '--no-audit', '--no-fund', '--save-dev', ...tarballs, 'graphql'], { cwd: app, env: RUNNER_ENV, maxBuffer: 1e7 })
  const installed = path.join(app, 'node_modules', 'aem-headless-rs')
  assert.ok(fs.existsSync(path.join(installed, 'emulator', 'index.js')))
  assert.ok(!fs.existsSync(path.join(installed, 'emulator', 'sites-openapi.yaml')), 'checkout-only files stay out')

  const { stdout } = await run(process.execPath, ['--test', 'integration.test.js', 'esm.test.mjs'], { cwd: app, env: RUNNER_ENV, maxBuffer: 1e7 }).catch((error) => error)
  assert.match(stdout, /^# pass 3$/m, stdout)
  assert.match(stdout, /^# fail 0$/m, stdout)

  // In a process group of its own: npx runs the bin as its child, and both get the SIGTERM.
  const child = spawn(NPX, ['aem-headless-rs', 'emulator', '--port', '0'], { cwd: app, env: RUNNER_ENV, stdio: ['ignore', 'pipe', 'inherit'], detached: true })
  const exited = new Promise((resolve) => child.stdout.on('close', resolve))
  try {
    const printed = JSON.parse(await firstLine(child.stdout))
    assert.equal(printed.caFile, path.join(app, '.emulator', 'ca.pem'))
    const ca = fs.readFileSync(printed.caFile, 'utf8')
    const client = new AEMHeadless({ serviceURL: printed.url, credentials: printed.credentialsFile, ca })
    const { data } = await client.runPersistedQuery('wknd-shared/adventures-all')
    assert.equal(data.adventureList.items.length, 16)
  } finally {
    process.kill(-child.pid, 'SIGTERM')
  }
  await exited
})
