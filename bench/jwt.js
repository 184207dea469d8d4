'use strict'

// RS256 signing of the service-credentials JWT, signatures per second, in one process:
// ours (key parsed once), jsonwebtoken with the PEM (what @adobe/aem-headless-client-nodejs
// does), node:crypto with the PEM on every call (what @adobe/aemcs-api-client-lib does),
// node:crypto with a pre-parsed KeyObject (the Node floor), and @node-rs/jsonwebtoken.

const crypto = require('node:crypto')
const jsonwebtoken = require('jsonwebtoken')
const nodeRs = require('@node-rs/jsonwebtoken')
const { startEmulator } = require('../emulator')
const { loadCredentials, signServiceJwt } = require('..')
const { num, ratio, table } = require('./lib/report')

const QUICK = Boolean(process.env.BENCH_QUICK)
const ROUND_MS = QUICK ? 300 : 1500
const ROUNDS = QUICK ? 3 : 7

/** The claims our signer puts in the JWT, with a fresh `exp` (as every contender signs). */
function claimsOf (integration) {
  const ims = `https://${integration.imsEndpoint}`
  const now = Math.floor(Date.now() / 1000)
  const claims = {
    exp: now + 300,
    iss: integration.org,
    sub: integration.id,
    aud: `${ims}/c/${integration.technicalAccount.clientId}`
  }
  for (const scope of integration.metascopes.split(',')) claims[`${ims}/s/${scope}`] = true
  return claims
}

/** base64url of JSON, for the hand-built JWTs. */
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** Signatures per second of `sign` over one round of `ROUND_MS`. */
function rate (sign) {
  let count = 0
  const end = process.hrtime.bigint() + BigInt(ROUND_MS) * 1000000n
  const start = process.hrtime.bigint()
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 10; i++) sign()
    count += 10
  }
  return count / (Number(process.hrtime.bigint() - start) / 1e9)
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

async function main () {
  const emu = await startEmulator()
  const { integration } = emu.credentials
  await emu.close()
  const pem = integration.privateKey
  const keyObject = crypto.createPrivateKey(pem)
  const publicKey = crypto.createPublicKey(pem)

  const parseStart = process.hrtime.bigint()
  const loaded = await loadCredentials(emu.credentials)
  const oursParseUs = Number(process.hrtime.bigint() - parseStart) / 1e3
  const nodeParseStart = process.hrtime.bigint()
  crypto.createPrivateKey(pem)
  const nodeParseUs = Number(process.hrtime.bigint() - nodeParseStart) / 1e3

  const signWith = (key) => () => {
    const input = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claimsOf(integration))}`
    return `${input}.${crypto.sign('RSA-SHA256', Buffer.from(input), key).toString('base64url')}`
  }
  const contenders = [
    ['ours: signServiceJwt, key parsed once', () => signServiceJwt(loaded)],
    ["jsonwebtoken with the PEM (Adobe's aem-headless-client-nodejs)", () => jsonwebtoken.sign(claimsOf(integration), pem, { algorithm: 'RS256' })],
    ["node:crypto with the PEM each call (Adobe's aemcs-api-client-lib)", signWith(pem)],
    ['node:crypto with a KeyObject (the Node floor)', signWith(keyObject)],
    ['@node-rs/jsonwebtoken signSync', () => nodeRs.signSync(claimsOf(integration), pem, { algorithm: nodeRs.Algorithm.RS256 })]
  ]
  // Every contender's output must verify, so the comparison is between working signers.
  for (const [name, sign] of contenders) {
    const [header, payload, signature] = sign().split('.')
    const valid = crypto.verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url'))
    const claims = JSON.parse(Buffer.from(payload, 'base64url'))
    if (!valid || claims.iss !== integration.org || claims.sub !== integration.id) throw new Error(`${name} made a JWT that does not verify`)
  }
  for (const [, sign] of contenders) rate(sign) // warm-up
  const rates = contenders.map(() => [])
  for (let round = 0; round < ROUNDS; round++) {
    contenders.forEach(([, sign], i) => rates[i].push(rate(sign)))
  }
  const medians = rates.map(median)
  const [ours, adobe, lib, floor] = medians
  table('RS256 JWT signing (2048-bit key), signatures per second, median of rounds',
    ['signer', 'signatures/s', 'ours vs it'],
    contenders.map(([name], i) => [name, num(medians[i]), i === 0 ? '1.00×' : ratio(ours, medians[i], true)]),
    [`Targets: ≥ 1.0× the Node floor (${ratio(ours, floor, true)}) and ≥ 3× Adobe's jsonwebtoken (${ratio(ours, adobe, true)}); against aemcs-api-client-lib's way: ${ratio(ours, lib, true)}. ${ROUNDS} rounds of ${ROUND_MS} ms each, interleaved. Parsing the key once: ours (loadCredentials, JSON and key) ${num(oursParseUs)} µs, createPrivateKey ${num(nodeParseUs)} µs (first call each). Signing is synchronous for every contender here.`])
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
