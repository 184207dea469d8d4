'use strict'

// RS256 signing of the service-credentials JWT, signatures per second, in one process:
// ours (key parsed once, and parsed on every call), jsonwebtoken with the PEM (what
// @adobe/aem-headless-client-nodejs does), node:crypto with the PEM on every call (what
// @adobe/aemcs-api-client-lib does), node:crypto with a pre-parsed KeyObject (the Node floor),
// and @node-rs/jsonwebtoken. Then the one-time cost of parsing the key.

const crypto = require('node:crypto')
const jsonwebtoken = require('jsonwebtoken')
const nodeRs = require('@node-rs/jsonwebtoken')
const { startEmulator } = require('../emulator')
const { loadCredentials, signServiceJwt } = require('..')
const { num, ratio, table, percentile } = require('./lib/report')

const QUICK = Boolean(process.env.BENCH_QUICK)
const ROUND_MS = QUICK ? 250 : 1200
const ROUNDS = QUICK ? 3 : 7
const PARSES = QUICK ? 5 : 25

/** The claims our signer puts in the JWT, with a fresh `iat` and `exp` (as every contender signs). */
function claimsOf (integration) {
  const ims = `https://${integration.imsEndpoint}`
  const now = Math.floor(Date.now() / 1000)
  const claims = {
    exp: now + 300,
    iat: now,
    iss: integration.org,
    sub: integration.id,
    aud: `${ims}/c/${integration.technicalAccount.clientId}`
  }
  for (const scope of integration.metascopes.split(',')) claims[`${ims}/s/${scope}`] = true
  return claims
}

/** base64url of JSON, for the hand-built JWTs. */
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')

/**
 * Signatures per second of `sign` (awaited when `awaited`) over one round of `ROUND_MS`, and the
 * process CPU time per signature in µs (every thread), which a busy machine disturbs less.
 */
async function rate ({ sign, awaited }) {
  let count = 0
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  const end = start + BigInt(ROUND_MS) * 1000000n
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 10; i++) awaited ? await sign() : sign()
    count += 10
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  const used = process.cpuUsage(cpu)
  return { perSecond: count / seconds, cpuUs: (used.user + used.system) / count }
}

/** The median of `values`. */
const median = (values) => percentile([...values].sort((a, b) => a - b), 50)

/** Median and fastest time in µs of `PARSES` runs of `parse` (awaited), after one untimed run. */
async function parseUs (parse) {
  await parse()
  const times = []
  for (let i = 0; i < PARSES; i++) {
    const start = process.hrtime.bigint()
    await parse()
    times.push(Number(process.hrtime.bigint() - start) / 1e3)
  }
  times.sort((a, b) => a - b)
  return { median: percentile(times, 50), fastest: times[0] }
}

/**
 * Throws unless `token` verifies with `publicKey` (node:crypto and jsonwebtoken) and carries
 * the same claims as ours, so that the benchmark compares working signers doing the same work.
 */
function checkToken (name, token, publicKey, expected) {
  const [header, payload, signature] = token.split('.')
  const signed = crypto.verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url'))
  const claims = jsonwebtoken.verify(token, publicKey, { algorithms: ['RS256'] })
  const same = Object.keys(claims).sort().join() === Object.keys(expected).sort().join() &&
    claims.iss === expected.iss && claims.sub === expected.sub && claims.aud === expected.aud
  if (!signed || !same) throw new Error(`${name} made a JWT that does not verify or has other claims`)
}

async function main () {
  const emu = await startEmulator()
  const { integration } = emu.credentials
  await emu.close()
  const pem = integration.privateKey
  const keyObject = crypto.createPrivateKey(pem)
  const publicKey = crypto.createPublicKey(pem)
  const loaded = await loadCredentials(emu.credentials)
  const header = { algorithm: nodeRs.Algorithm.RS256 }

  const signWith = (key) => () => {
    const input = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claimsOf(integration))}`
    return `${input}.${crypto.sign('RSA-SHA256', Buffer.from(input), key).toString('base64url')}`
  }
  const contenders = [
    { name: 'ours: signServiceJwt, key parsed once (loadCredentials)', sign: () => signServiceJwt(loaded) },
    { name: 'ours: signServiceJwt, credentials object (key parsed each call)', sign: () => signServiceJwt(emu.credentials) },
    { name: "jsonwebtoken with the PEM (Adobe's aem-headless-client-nodejs)", sign: () => jsonwebtoken.sign(claimsOf(integration), pem, { algorithm: 'RS256' }) },
    { name: "node:crypto with the PEM each call (Adobe's aemcs-api-client-lib)", sign: signWith(pem) },
    { name: 'node:crypto with a KeyObject (the Node floor)', sign: signWith(keyObject) },
    { name: '@node-rs/jsonwebtoken signSync with the PEM', sign: () => nodeRs.signSync(claimsOf(integration), pem, header) },
    { name: '@node-rs/jsonwebtoken sign (async, one at a time)', sign: () => nodeRs.sign(claimsOf(integration), pem, header), awaited: true }
  ]
  const expected = JSON.parse(Buffer.from(signServiceJwt(loaded).split('.')[1], 'base64url'))
  for (const contender of contenders) checkToken(contender.name, await contender.sign(), publicKey, expected)

  for (const contender of contenders) await rate(contender) // warm-up
  const rounds = contenders.map(() => [])
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < contenders.length; i++) rounds[i].push(await rate(contenders[i]))
  }
  const rates = rounds.map((r) => median(r.map((one) => one.perSecond)))
  const cpu = rounds.map((r) => median(r.map((one) => one.cpuUs)))
  const [ours, , adobe, lib, floor] = rates
  table('RS256 JWT signing (2048-bit key), median of rounds',
    ['signer', 'signatures/s', 'CPU µs per signature', 'ours vs it (rate)', 'ours vs it (CPU)'],
    contenders.map(({ name }, i) => [name, num(rates[i]), num(cpu[i]), ratio(ours, rates[i], true), ratio(cpu[0], cpu[i], false)]),
    [`Targets: ≥ 1.0× the Node floor (${ratio(ours, floor, true)} by rate, ${ratio(cpu[0], cpu[4], false)} by CPU) and ≥ 3× Adobe's jsonwebtoken (${ratio(ours, adobe, true)}, ${ratio(cpu[0], cpu[2], false)}); against aemcs-api-client-lib's way: ${ratio(ours, lib, true)}, ${ratio(cpu[0], cpu[3], false)}. Ratios are × in our favour. ${ROUNDS} rounds of ${ROUND_MS} ms per signer, signers taking turns, after a warm-up round; CPU is process.cpuUsage() (all threads) per signature. Every signer makes the same claims (iss, sub, aud, iat, exp and the metascope), checked once with the public key.${QUICK ? ' BENCH_QUICK: short runs, a smoke test, not figures to quote.' : ''}`])

  const oursParse = await parseUs(() => loadCredentials(emu.credentials))
  const nodeParse = await parseUs(() => crypto.createPrivateKey(pem))
  table(`Parsing the key once, ${PARSES} runs`,
    ['parser', 'median µs', 'fastest µs'],
    [['ours: await loadCredentials(credentials object)', num(oursParse.median), num(oursParse.fastest)],
      ['crypto.createPrivateKey(pem)', num(nodeParse.median), num(nodeParse.fastest)],
      ['ours vs createPrivateKey (× in our favour)', ratio(oursParse.median, nodeParse.median, false), ratio(oursParse.fastest, nodeParse.fastest, false)]],
    ['loadCredentials also serializes the whole credentials object to JSON and checks it, and is asynchronous: the parse runs on a native worker thread, then a promise resolves, so a busy machine delays it more than the synchronous createPrivateKey, which parses the PEM only.'])
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
