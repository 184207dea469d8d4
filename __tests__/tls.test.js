'use strict'

// TLS trust as Node decides it, against each of the emulator's certificate modes: trusted
// through NODE_EXTRA_CA_CERTS, through `ca` (a string, a Buffer, an array), or not at all;
// NODE_TLS_REJECT_UNAUTHORIZED=0; a refused certificate fails at once, in words.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { execFile } = require('node:child_process')
const { promisify } = require('node:util')
const AEMHeadless = require('..')
const { getToken, exchange, TokenProvider } = AEMHeadless
const { setup, rejectsWith } = require('./helpers')

const run = promisify(execFile)
const OURS = require.resolve('..')
const HOW_TO_TRUST = 'To trust a local or self-signed certificate, set NODE_EXTRA_CA_CERTS to its PEM file before Node.js starts, or pass the PEM as the ca option'
const MODES = ['ca-signed', 'self-signed', 'expired', 'wrong-host', 'expired-self-signed']

/** What each mode gives when its certificate is trusted: ok, or the words of the refusal. */
const TRUSTED_OUTCOME = {
  'ca-signed': 'ok',
  'self-signed': 'ok',
  expired: 'has expired',
  'wrong-host': 'not valid for this host name',
  'expired-self-signed': 'has expired'
}

/** What each mode gives when nothing trusts it. */
const UNTRUSTED_OUTCOME = {
  'ca-signed': 'signed by an unknown issuer',
  'self-signed': 'a CA certificate (basicConstraints CA:TRUE) that is not trusted',
  expired: 'has expired', // webpki checks the dates before it looks for an issuer
  'wrong-host': 'signed by an unknown issuer',
  'expired-self-signed': 'has expired'
}

const envs = {}
before(async () => {
  for (const mode of MODES) envs[mode] = await setup({ certificate: mode })
})
after(async () => {
  for (const env of Object.values(envs)) await env.close()
})

/** One AEM request and one IMS exchange with `ca`; 'ok', or the refusal's words checked. */
async function outcomeOf (env, ca) {
  const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.devToken.accessToken, ca })
  const ims = () => getToken(env.emu.credentials, { ca })
  try {
    await aem.runPersistedQuery('wknd-shared/adventures-all')
  } catch (error) {
    const aemError = await rejectsWith(Promise.reject(error), 'REQUEST_ERROR')
    assert.equal(aemError.sdkDetails.attempts, 1, 'a certificate failure is not retried')
    // Adobe's words (node-fetch's, OpenSSL's reason) in the message; this package's, with what to do, under cause.
    assert.match(aemError.message, /^\[AEMHeadless:REQUEST_ERROR\] General Request error: request to https:\/\/\S+ failed, reason: /)
    assert.ok(aemError.cause.message.includes(HOW_TO_TRUST), aemError.cause.message)
    const imsError = await rejectsWith(ims(), 'EXCHANGE_TOKEN_ERROR')
    assert.equal(imsError.sdkDetails.attempts, 1, 'a certificate failure at IMS is not retried')
    assert.ok(imsError.cause.message.includes(HOW_TO_TRUST), imsError.cause.message)
    return aemError.cause.message
  }
  assert.match((await ims()).accessToken, /\S/)
  return 'ok'
}

for (const mode of MODES) {
  test(`${mode}: trusted through ca as a string, a Buffer and an array, or not at all`, async () => {
    const env = envs[mode]
    const expected = TRUSTED_OUTCOME[mode]
    for (const ca of [env.emu.caPem, Buffer.from(env.emu.caPem), [Buffer.from(env.emu.caPem)], [envs['ca-signed'].emu.caPem, env.emu.caPem]]) {
      const outcome = await outcomeOf(env, ca)
      if (expected === 'ok') assert.equal(outcome, 'ok')
      else assert.ok(outcome.includes(expected), outcome)
    }
    const untrusted = await outcomeOf(env, mode === 'ca-signed' ? envs['self-signed'].emu.caPem : undefined)
    assert.ok(untrusted.includes(UNTRUSTED_OUTCOME[mode]), untrusted)
  })
}

/** Runs one AEM request and one IMS exchange in a child process with `variables`; returns its output. */
async function child (env, variables) {
  const script = `
    const { AEMHeadless, getToken } = require(${JSON.stringify(OURS)})
    const report = (what) => (error) => console.log(what, error ? error.code + ' ' + error.sdkDetails.attempts + ' ' + error.message + ' ' + error.cause.message : 'ok')
    ;(async () => {
      await new AEMHeadless({ serviceURL: ${JSON.stringify(env.emu.url)}, auth: ${JSON.stringify(env.emu.devToken.accessToken)} })
        .runPersistedQuery('wknd-shared/adventures-all').then(() => report('aem')(), report('aem'))
      await getToken(${JSON.stringify(env.files.credentialsFile)}).then(() => report('ims')(), report('ims'))
      await new AEMHeadless({ serviceURL: ${JSON.stringify(env.emu.url)}, auth: ${JSON.stringify(env.emu.devToken.accessToken)} })
        .runPersistedQuery('wknd-shared/adventures-all').then(() => report('aem again')(), report('aem again'))
    })()`
  const clean = { ...process.env }
  delete clean.NODE_EXTRA_CA_CERTS
  delete clean.NODE_TLS_REJECT_UNAUTHORIZED
  return run(process.execPath, ['-e', script], { env: { ...clean, ...variables } })
}

for (const mode of MODES) {
  test(`${mode}: trusted through NODE_EXTRA_CA_CERTS`, async () => {
    const env = envs[mode]
    const { stdout, stderr } = await child(env, { NODE_EXTRA_CA_CERTS: env.files.caFile })
    const lines = stdout.trim().split('\n')
    assert.equal(lines.length, 3, stdout)
    for (const line of lines) {
      if (TRUSTED_OUTCOME[mode] === 'ok') assert.match(line, / ok$/)
      else {
        assert.ok(line.includes(TRUSTED_OUTCOME[mode]), line)
        assert.match(line, /^(aem|ims|aem again) (REQUEST_ERROR|EXCHANGE_TOKEN_ERROR) 1 /)
      }
    }
    assert.equal(stderr, '')
  })
}

test('NODE_TLS_REJECT_UNAUTHORIZED=0 turns verification off for AEM and IMS, with Node\'s warning once', async () => {
  for (const mode of ['self-signed', 'expired', 'wrong-host']) {
    const { stdout, stderr } = await child(envs[mode], { NODE_TLS_REJECT_UNAUTHORIZED: '0' })
    assert.deepEqual(stdout.trim().split('\n'), ['aem ok', 'ims ok', 'aem again ok'])
    const warnings = stderr.split('\n').filter((line) => line.includes('NODE_TLS_REJECT_UNAUTHORIZED'))
    assert.equal(warnings.length, 1, stderr)
    assert.match(warnings[0], /^\(node:\d+\) Warning: Setting the NODE_TLS_REJECT_UNAUTHORIZED environment variable to '0' makes TLS connections and HTTPS requests insecure by disabling certificate verification\.$/)
  }
  const { stdout } = await child(envs['self-signed'], { NODE_TLS_REJECT_UNAUTHORIZED: '1' })
  assert.match(stdout, /^aem REQUEST_ERROR 1 /, 'only 0 turns verification off, as in Node')
})

test('ca must be a string, a Buffer or an array of them, in every API that takes it', async () => {
  const env = envs['ca-signed']
  for (const bad of [42, {}, [42], [env.emu.caPem, {}], true]) {
    const check = (what) => (error) => error.code === 'INVALID_PARAM' && error.message.includes(`${what} must be a PEM string, a Buffer, or an array of them`)
    assert.throws(() => new AEMHeadless({ serviceURL: env.emu.url, ca: bad }), check('ca'))
    assert.throws(() => new AEMHeadless({ serviceURL: env.emu.url, credentials: env.files.credentialsFile, ca: bad }), check('ca'))
    assert.throws(() => new TokenProvider(env.files.credentialsFile, { ca: bad }), check('options.ca'))
    await assert.rejects(getToken(env.files.credentialsFile, { ca: bad }), check('options.ca'))
    await assert.rejects(exchange(env.emu.credentials, { ca: bad }), check('options.ca'))
  }
  const provider = new TokenProvider(env.files.credentialsFile, { ca: Buffer.from(env.emu.caPem) })
  assert.match((await provider.getAccessToken()).accessToken, /\S/)
  assert.match((await exchange(env.emu.credentials, { ca: [Buffer.from(env.emu.caPem)] })).access_token, /\S/)
})
