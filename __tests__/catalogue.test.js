'use strict'

// The bad-input and fault catalogue: every malformed input and injected fault, with the outcome
// it must have. It also writes the catalogue section of docs/RELIABILITY.md from the same table,
// and fails when the committed file differs (`UPDATE_RELIABILITY=1 npm run test:node` refreshes it).

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')
const AEMHeadless = require('..')
const { getToken, TokenProvider } = AEMHeadless
const { setup, writeJson, secretsOf, assertNoSecret } = require('./helpers')

const DOC = path.join(__dirname, '..', 'docs', 'RELIABILITY.md')
const BEGIN = '<!-- catalogue: begin -->'
const END = '<!-- catalogue: end -->'
let env
/** Emulators with the other certificate modes (emulator/tls.js). */
const tls = {}
before(async () => {
  env = await setup()
  for (const mode of ['self-signed', 'expired', 'wrong-host']) tls[mode] = await setup({ certificate: mode })
})
after(async () => {
  await env.close()
  for (const other of Object.values(tls)) await other.close()
})

/** A fresh copy of the emulator's service credentials, changed by `change(integration)`. */
function creds (change = () => {}) {
  const copy = structuredClone(env.emu.credentials)
  change(copy.integration)
  return copy
}

function file (name, content) {
  return writeJson(env.dir, name, content)
}

function client (extra = {}) {
  return new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.devToken.accessToken, ca: env.emu.caPem, ...extra })
}

/** A client of the emulator with certificate `mode`, trusting `ca` (by default what that mode needs). */
function tlsClient (mode, ca = tls[mode].emu.caPem) {
  return new AEMHeadless({ serviceURL: tls[mode].emu.url, auth: tls[mode].emu.devToken.accessToken, ca })
}

const encryptedKey = () => crypto.createPrivateKey(env.emu.credentials.integration.privateKey)
  .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'catalogue-pass' })
const ecKey = () => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' })
const token = (credentials, options = {}) => getToken(credentials, { ca: env.emu.caPem, ...options })
const construct = (config) => async () => new AEMHeadless(config)
const fault = (name, variables = {}, options = {}, extra = {}) => () =>
  client(extra).runPersistedQuery(`fault/${name}`, { key: crypto.randomUUID(), ...variables }, options)

/** [group, what is tried, the call, the expected outcome]. */
const CASES = [
  ['credentials file', 'empty file', () => token(file('empty.json', '')), 'AUTH_FILE_PARSE_ERROR'],
  ['credentials file', 'not JSON', () => token(file('text.json', 'hello')), 'AUTH_FILE_PARSE_ERROR'],
  ['credentials file', 'truncated JSON', () => token(file('cut.json', '{"ok": true, "integration": {')), 'AUTH_FILE_PARSE_ERROR'],
  ['credentials file', 'a JSON array', () => token(file('array.json', '[]')), 'INVALID_PARAM'],
  ['credentials file', 'a JSON string', () => token(file('string.json', '"creds"')), 'INVALID_PARAM'],
  ['credentials file', 'JSON null', () => token(file('null.json', 'null')), 'INVALID_PARAM'],
  ['credentials file', 'integration is a string', () => token({ ok: true, integration: 'x' }), 'INVALID_PARAM'],
  ...['imsEndpoint', 'org', 'id', 'metascopes', 'privateKey', 'technicalAccount'].map((field) =>
    ['credentials file', `integration.${field} missing`, () => token(creds((i) => { delete i[field] })), 'INVALID_PARAM']),
  ['credentials file', 'technicalAccount.clientId missing', () => token(creds((i) => { delete i.technicalAccount.clientId })), 'INVALID_PARAM'],
  ['credentials file', 'technicalAccount.clientSecret missing', () => token(creds((i) => { delete i.technicalAccount.clientSecret })), 'INVALID_PARAM'],
  ['credentials file', 'org is a number', () => token(creds((i) => { i.org = 42 })), 'INVALID_PARAM'],
  ['credentials file', 'metascopes is " , "', () => token(creds((i) => { i.metascopes = ' , ' })), 'INVALID_PARAM'],
  ['credentials file', 'privateKey is not PEM', () => token(creds((i) => { i.privateKey = 'not a key' })), 'INVALID_PARAM'],
  ['credentials file', 'privateKey is an EC key', () => token(creds((i) => { i.privateKey = ecKey() })), 'INVALID_PARAM'],
  ['credentials file', 'privateKey is truncated', () => token(creds((i) => { i.privateKey = i.privateKey.slice(0, 500) })), 'INVALID_PARAM'],
  ['credentials file', 'encrypted key without passphrase', () => token(creds((i) => { i.privateKey = encryptedKey() })), 'INVALID_PARAM'],
  ['credentials file', 'encrypted key, wrong passphrase', () => token(creds((i) => { i.privateKey = encryptedKey() }), { passphrase: 'nope-nope' }), 'INVALID_PARAM'],
  ['credentials file', 'legacy encrypted PKCS#1 key', () => token(creds((i) => { i.privateKey = '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n' })), 'INVALID_PARAM'],
  ['credentials file', 'a 2 MB file', () => token(file('huge.json', `{"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`)), 'AUTH_FILE_READ_ERROR'],
  ['credentials file', 'a missing file', () => token(path.join(env.dir, 'missing.json')), 'AUTH_FILE_READ_ERROR'],
  ['credentials file', 'a directory', () => token(env.dir), 'AUTH_FILE_READ_ERROR'],
  ['credentials file', 'not UTF-8', () => { const f = path.join(env.dir, 'latin1.json'); fs.writeFileSync(f, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])); return token(f) }, 'AUTH_FILE_PARSE_ERROR'],
  ['credentials file', 'accessToken is a number', () => token({ accessToken: 42 }), 'INVALID_PARAM'],
  ['credentials file', 'OAuth without a client secret', () => token({ clientId: 'c', scopes: ['AdobeID'] }), 'INVALID_PARAM'],
  ['credentials file', 'OAuth client_secrets is a string', () => token({ client_id: 'c', client_secrets: 's', scopes: ['AdobeID'] }), 'INVALID_PARAM'],
  ['credentials file', 'a development token that expired (IMS\'s created_at + expires_in)', () => token({ accessToken: `e30.${Buffer.from('{"created_at":"1764633600000","expires_in":"86400000"}').toString('base64url')}.s` }), 'EXCHANGE_TOKEN_ERROR'],
  ['credentials file', 'an expired development token', () => new TokenProvider({ accessToken: `e30.${Buffer.from('{"exp":1000}').toString('base64url')}.s` }).getAccessToken(), 'EXCHANGE_TOKEN_ERROR'],
  ['IMS', 'wrong client secret', () => token(creds((i) => { i.technicalAccount.clientSecret = 'p8e-wrong' })), 'EXCHANGE_TOKEN_ERROR 401, 1 attempt'],
  ['IMS', 'key that does not match the certificate', () => token(creds((i) => { i.privateKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) })), 'EXCHANGE_TOKEN_ERROR 400, 1 attempt'],
  ['IMS', 'plain http:// imsEndpoint', () => token(creds((i) => { i.imsEndpoint = `http://${i.imsEndpoint}` })), 'INVALID_PARAM'],
  ['IMS', 'imsEndpoint with a path', () => token(creds((i) => { i.imsEndpoint = 'ims.example/path' })), 'INVALID_PARAM'],
  ['IMS', 'imsEndpoint ftp://', () => token(creds((i) => { i.imsEndpoint = 'ftp://ims.example' })), 'INVALID_PARAM'],
  ['IMS', 'unreachable IMS', () => token(creds((i) => { i.imsEndpoint = '127.0.0.1:1' })), 'EXCHANGE_TOKEN_ERROR, 4 attempts'],
  ['IMS', '503 internal_error once', () => { env.emu.failNextTokenRequests(1); return token(env.emu.credentials) }, 'ok'],
  ['IMS', '503 internal_error 4 times', () => { env.emu.failNextTokenRequests(4); return token(env.emu.credentials) }, 'EXCHANGE_TOKEN_ERROR 503, 4 attempts'],
  ['configuration', 'config is null', construct(null), 'INVALID_PARAM'],
  ['configuration', 'config is a number', construct(42), 'INVALID_PARAM'],
  ['configuration', 'serviceURL is relative (Adobe\'s: no absolute URL to send to)', () => new AEMHeadless({ serviceURL: '/content', auth: 't' }).runPersistedQuery('a/b'), 'REQUEST_ERROR'],
  ['configuration', 'serviceURL is not a URL', () => new AEMHeadless({ serviceURL: 'not a url', auth: 't' }).runPersistedQuery('a/b'), 'INVALID_PARAM'],
  ['configuration', 'serviceURL is ftp:// (Adobe\'s: not HTTP(S))', () => new AEMHeadless({ serviceURL: 'ftp://aem.example', auth: 't' }).runPersistedQuery('a/b'), 'REQUEST_ERROR'],
  ['configuration', 'serviceURL with user:password@', construct({ serviceURL: 'https://u:p@aem.example' }), 'INVALID_PARAM'],
  ['configuration', 'serviceURL with a password holding / and # (does not parse)', construct({ serviceURL: 'https://admin:Pa55/w0rd#x@aem.example/' }), 'INVALID_PARAM'],
  ['configuration', 'header value with CR/LF', construct({ serviceURL: 'https://aem.example', headers: { 'X-A': 'a\r\nX-B: b' } }), 'INVALID_PARAM'],
  ['configuration', 'header name with a space', construct({ serviceURL: 'https://aem.example', headers: { 'X A': 'a' } }), 'INVALID_PARAM'],
  ['configuration', 'auth token with a newline', construct({ serviceURL: 'https://aem.example', auth: 'abc\ndef' }), 'INVALID_PARAM'],
  ['configuration', 'auth is [user] without a password (Adobe\'s: the Bearer token "user")', construct({ serviceURL: 'https://aem.example', auth: ['user'] }), 'ok'],
  ['configuration', 'auth is a number (Adobe\'s: the Bearer token "42")', construct({ serviceURL: 'https://aem.example', auth: 42 }), 'ok'],
  ['configuration', 'ca is not PEM', construct({ serviceURL: 'https://aem.example', ca: 'not a certificate' }), 'INVALID_PARAM'],
  ['configuration', 'ca is a number', construct({ serviceURL: 'https://aem.example', ca: 42 }), 'INVALID_PARAM'],
  ['configuration', 'ca is an array holding an object', construct({ serviceURL: 'https://aem.example', ca: ['x', {}] }), 'INVALID_PARAM'],
  ['configuration', 'a fetch that is not a function', construct({ serviceURL: 'https://aem.example', fetch: 'fetch' }), 'INVALID_PARAM'],
  ['configuration', 'an unknown transport', construct({ serviceURL: 'https://aem.example', transport: 'curl' }), 'INVALID_PARAM'],
  ['configuration', 'credentials and auth together', construct({ serviceURL: 'https://aem.example', auth: 't', credentials: {} }), 'INVALID_PARAM'],
  ['configuration', 'proxy is not a URL', construct({ serviceURL: 'https://aem.example', proxy: 'http://[bad' }), 'INVALID_PARAM'],
  ['configuration', 'timeout is 0', construct({ serviceURL: 'https://aem.example', timeout: 0 }), 'INVALID_PARAM'],
  ['configuration', 'retries.maxRetries is -1', construct({ serviceURL: 'https://aem.example', retries: { maxRetries: -1 } }), 'INVALID_PARAM'],
  ['call', 'cyclic variables', () => { const v = {}; v.self = v; return client().runPersistedQuery('test/echo', { v }) }, 'INVALID_PARAM'],
  ['call', 'a BigInt variable', () => client().runPersistedQuery('test/echo', { n: 10n }), 'INVALID_PARAM'],
  ['call', 'variables is null', () => client().runPersistedQuery('test/echo', null), 'INVALID_PARAM'],
  ['call', 'options is a string', () => client().runPersistedQuery('test/echo', {}, 'GET'), 'INVALID_PARAM'],
  ['call', 'signal is not an AbortSignal', () => client().runPersistedQuery('test/echo', {}, { signal: {} }), 'INVALID_PARAM'],
  ['call', 'method "NOT A METHOD"', () => client().runPersistedQuery('test/echo', {}, { method: 'NOT A METHOD' }), 'INVALID_PARAM'],
  ['call', 'retryOptions.maxRetries is -1', () => client().runPersistedQuery('test/echo', {}, {}, { maxRetries: -1 }), 'INVALID_PARAM'],
  ['call', 'timeout is 1e300', () => client().runPersistedQuery('test/echo', {}, { timeout: 1e300 }), 'INVALID_PARAM'],
  ['call', 'runQuery with endpoint ""', () => client({ endpoint: '' }).runQuery('{ a }'), 'INVALID_PARAM'],
  ['call', 'runPaginatedQuery without fields', () => client().runPaginatedQuery('article', '').next(), 'INVALID_PARAM'],
  ['AEM', 'persisted query that does not exist', () => client().runPersistedQuery('wknd-shared/nope'), 'API_ERROR 404, 1 attempt'],
  ['AEM', '400 with a JSON body', () => client().runPersistedQuery('test/error-400'), 'API_ERROR 400, 1 attempt'],
  ['AEM', '500 with a JSON body', () => client().runPersistedQuery('test/error-500'), 'API_ERROR 500, 4 attempts'],
  ['AEM', '502 Dispatcher HTML page', () => client().runPersistedQuery('test/html-502'), 'RESPONSE_ERROR 502, 4 attempts'],
  ['AEM', 'Basic auth with a wrong password', () => client({ auth: ['admin', 'catalogue-basic-pw'] }).runPersistedQuery('wknd-shared/adventures-all'), 'RESPONSE_ERROR 401, 1 attempt'],
  ['AEM', 'a proxy with a password that does not answer', () => client({ proxy: 'http://user:catalogue-proxy-pw@127.0.0.1:1', retries: { maxRetries: 0 } }).runPersistedQuery('wknd-shared/adventures-all'), 'REQUEST_ERROR, 1 attempt'],
  ['AEM', '401 with an empty body', () => client({ auth: 'bogus' }).runPersistedQuery('wknd-shared/adventures-all'), 'RESPONSE_ERROR 401, 1 attempt'],
  ['AEM', '200 with GraphQL errors', () => client().runPersistedQuery('test/query-error'), 'RESPONSE_ERROR 200, 1 attempt'],
  ['AEM', '200 that is not JSON', () => client().runPersistedQuery('test/not-json'), 'RESPONSE_ERROR 200, 1 attempt'],
  ['TLS', 'CA-signed leaf, its CA given as a Buffer', () => client({ ca: Buffer.from(env.emu.caPem) }).runPersistedQuery('wknd-shared/adventures-all'), 'ok'],
  ['TLS', 'CA-signed leaf, its CA not trusted', () => client({ ca: tls['self-signed'].emu.caPem }).runPersistedQuery('wknd-shared/adventures-all'), 'REQUEST_ERROR, 1 attempt'],
  ['TLS', 'self-signed CA:TRUE certificate, trusted itself', () => tlsClient('self-signed').runPersistedQuery('wknd-shared/adventures-all'), 'ok'],
  ['TLS', 'self-signed CA:TRUE certificate, not trusted', () => tlsClient('self-signed', env.emu.caPem).runPersistedQuery('wknd-shared/adventures-all'), 'REQUEST_ERROR, 1 attempt'],
  ['TLS', 'expired certificate, its CA trusted', () => tlsClient('expired').runPersistedQuery('wknd-shared/adventures-all'), 'REQUEST_ERROR, 1 attempt'],
  ['TLS', 'certificate for another host name, its CA trusted', () => tlsClient('wrong-host').runPersistedQuery('wknd-shared/adventures-all'), 'REQUEST_ERROR, 1 attempt'],
  ['TLS', 'IMS with a certificate not trusted', () => getToken(tls['self-signed'].emu.credentials, { ca: env.emu.caPem }), 'EXCHANGE_TOKEN_ERROR, 1 attempt'],
  ['TLS', 'IMS with an expired certificate', () => getToken(tls.expired.emu.credentials, { ca: tls.expired.emu.caPem }), 'EXCHANGE_TOKEN_ERROR, 1 attempt'],
  ['fault', '503 twice, then 200', fault('flaky', { failures: 2 }), 'ok'],
  ['fault', '503 ten times', fault('flaky', { failures: 10 }), 'RESPONSE_ERROR 503, 4 attempts'],
  ['fault', '500 once, then 200', fault('flaky-500', { failures: 1 }), 'ok'],
  ['fault', '429 with Retry-After: 1, then 200', fault('rate-limited', { retryAfter: 1 }), 'ok'],
  ['fault', 'connection reset before the headers, twice', fault('reset-before-headers', { failures: 2 }), 'ok'],
  ['fault', 'connection reset before the headers, 10 times', fault('reset-before-headers', { failures: 10 }), 'REQUEST_ERROR, 4 attempts'],
  ['fault', 'connection reset after the headers', fault('reset-after-headers'), 'REQUEST_ERROR, 1 attempt'],
  ['fault', 'stall of 5 s, timeout 300 ms', fault('stall', { ms: 5000 }, { timeout: 300 }), 'REQUEST_ERROR, timed out'],
  ['fault', 'slow drip, timeout 300 ms', fault('drip', { ms: 200 }, { timeout: 300 }), 'REQUEST_ERROR, timed out'],
  ['fault', 'truncated body', fault('truncated'), 'REQUEST_ERROR, 1 attempt'],
  ['fault', 'invalid JSON in a 200', fault('invalid-json'), 'RESPONSE_ERROR 200, 1 attempt'],
  ['fault', '2 MB body, limit 1 MB', fault('huge', { mb: 2 }, {}, { maxResponseBytes: 1024 * 1024 }), 'RESPONSE_ERROR 200, 1 attempt'],
  ['fault', 'gzip bomb inflating to 100 MB, limit 64 MiB', fault('gzip-bomb', { mb: 100 }), 'RESPONSE_ERROR 200, 1 attempt']
]

/** The outcome of a call, as the catalogue writes it. */
async function outcome (run) {
  try {
    await run()
    return { text: 'ok' }
  } catch (error) {
    if (!error || error.name !== 'AEMHeadlessError') return { text: `not an AEMHeadlessError: ${error && error.stack}` }
    const { status, attempts, timeout } = error.sdkDetails
    let text = error.code
    if (status !== undefined) text += ` ${status}`
    if (timeout) text += ', timed out'
    else if (attempts !== undefined) text += `, ${attempts} attempt${attempts === 1 ? '' : 's'}`
    return { text, error }
  }
}

test('every bad input and fault has its outcome, and no error shows a secret', async () => {
  const secrets = [...secretsOf(env.emu), 'catalogue-pass', 'nope-nope', 'p8e-wrong', 'Pa55', 'catalogue-basic-pw', 'catalogue-proxy-pw']
  const rows = []
  for (const [group, what, run, expected] of CASES) {
    const { text, error } = await outcome(run)
    assert.equal(text, expected, `${group}: ${what}`)
    if (error) assertNoSecret(error, secrets)
    rows.push(`| ${group} | ${what} | ${text} |`)
  }
  assert.ok(CASES.filter(([group]) => group !== 'fault' && group !== 'AEM').length >= 40, 'at least 40 bad inputs')

  const section = [
    BEGIN,
    'Generated by `__tests__/catalogue.test.js` from the cases it runs against the local emulator',
    '(`UPDATE_RELIABILITY=1 npm run test:node` rewrites this section; the test fails when it is out of',
    'date). Each row is one malformed input or injected fault; the outcome is `ok` or the error code,',
    'with the HTTP status and how many attempts were made (3 retries, on connection errors, 429 and',
    '5xx; never on a refused certificate). No error of any row contains a secret of the credentials.',
    '',
    '| group | input or fault | outcome |',
    '|---|---|---|',
    ...rows,
    END
  ].join('\n')
  const current = fs.readFileSync(DOC, 'utf8')
  const begin = current.indexOf(BEGIN)
  const end = current.indexOf(END)
  assert.ok(begin >= 0 && end > begin, `docs/RELIABILITY.md must hold the markers ${BEGIN} and ${END}`)
  const expected = current.slice(0, begin) + section + current.slice(end + END.length)
  if (process.env.UPDATE_RELIABILITY === '1') fs.writeFileSync(DOC, expected)
  assert.equal(fs.readFileSync(DOC, 'utf8'), expected, 'docs/RELIABILITY.md is out of date: run UPDATE_RELIABILITY=1 npm run test:node')
})
