'use strict'

/**
 * X.509 v3 certificates (RFC 5280) made with node:crypto alone: the DER of a TBSCertificate is
 * written here, with the few extensions the emulator's certificates carry, and signed with
 * SHA-256 and RSA. So the emulator needs no certificate library.
 * @module emulator/x509
 */

const { createPublicKey, createSign, randomBytes } = require('node:crypto')
const { isIPv4 } = require('node:net')

/** A DER tag-length-value. */
function tlv (tag, content) {
  const length = content.length
  if (length < 0x80) return Buffer.concat([Buffer.from([tag, length]), content])
  const bytes = []
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256)
  return Buffer.concat([Buffer.from([tag, 0x80 | bytes.length, ...bytes]), content])
}

const sequence = (...items) => tlv(0x30, Buffer.concat(items))
const set = (...items) => tlv(0x31, Buffer.concat(items))
const boolean = (value) => tlv(0x01, Buffer.from([value ? 0xff : 0]))
const octets = (bytes) => tlv(0x04, bytes)
const bits = (bytes, unused = 0) => tlv(0x03, Buffer.concat([Buffer.from([unused]), bytes]))
const utf8 = (text) => tlv(0x0c, Buffer.from(text, 'utf8'))
const explicit = (n, content) => tlv(0xa0 + n, content)
const NULL = Buffer.from([0x05, 0x00])

/** A non-negative INTEGER from its big-endian bytes (a 0 byte first when the top bit is set). */
function integer (bytes) {
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0 && bytes[start + 1] < 0x80) start++
  const body = bytes.subarray(start)
  return tlv(0x02, body[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), body]) : body)
}

/** An OBJECT IDENTIFIER from its dotted form. */
function oid (dotted) {
  const [first, second, ...rest] = dotted.split('.').map(Number)
  const bytes = [40 * first + second]
  for (const arc of rest) {
    const groups = [arc & 0x7f]
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) groups.unshift(0x80 | (n & 0x7f))
    bytes.push(...groups)
  }
  return tlv(0x06, Buffer.from(bytes))
}

/** UTCTime through 2049, GeneralizedTime after, as RFC 5280 §4.1.2.5 requires. */
function time (ms) {
  const text = new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'
  const year = new Date(ms).getUTCFullYear()
  return year < 2050 ? tlv(0x17, Buffer.from(text.slice(2))) : tlv(0x18, Buffer.from(text))
}

/** A named-bit BIT STRING (KeyUsage): bit 0 is the top bit of the first byte, trailing zeros dropped. */
function namedBits (positions) {
  const last = Math.max(...positions)
  const bytes = Buffer.alloc(Math.floor(last / 8) + 1)
  for (const p of positions) bytes[p >> 3] |= 0x80 >> (p & 7)
  return bits(bytes, 7 - (last & 7))
}

/** The bytes of an IPv4 or IPv6 address. */
function ipBytes (ip) {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number))
  const [head, tail = ''] = ip.split('::')
  const groups = (part) => (part ? part.split(':').map((g) => parseInt(g, 16)) : [])
  const left = groups(head)
  const right = groups(tail)
  const all = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill(0), ...right] : left
  return Buffer.from(all.flatMap((g) => [g >> 8, g & 0xff]))
}

const KEY_USAGE_BITS = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 }
const EXTENDED_KEY_USAGES = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' }

/**
 * The certificate extensions, each as `{name, critical?, ...}`:
 * `basicConstraints` (`cA`), `keyUsage` (`digitalSignature`, `keyEncipherment`, `keyCertSign`,
 * `cRLSign`), `extKeyUsage` (`serverAuth`, `clientAuth`) and `subjectAltName` (`altNames`:
 * `{type: 2, value}` for a DNS name, `{type: 7, ip}` for an IP address).
 */
const EXTENSIONS = {
  basicConstraints: ['2.5.29.19', (e) => sequence(e.cA ? boolean(true) : Buffer.alloc(0))],
  keyUsage: ['2.5.29.15', (e) => namedBits(Object.keys(KEY_USAGE_BITS).filter((k) => e[k]).map((k) => KEY_USAGE_BITS[k]))],
  extKeyUsage: ['2.5.29.37', (e) => sequence(...Object.keys(EXTENDED_KEY_USAGES).filter((k) => e[k]).map((k) => oid(EXTENDED_KEY_USAGES[k])))],
  subjectAltName: ['2.5.29.17', (e) => sequence(...e.altNames.map((n) => (n.type === 7 ? tlv(0x87, ipBytes(n.ip)) : tlv(0x82, Buffer.from(n.value, 'ascii')))))]
}

/** One Extension: its OID, `critical` when set, and its value's DER in an OCTET STRING. */
function extension (e) {
  const [id, encode] = EXTENSIONS[e.name] || []
  if (!id) throw new Error(`unknown certificate extension ${e.name}`)
  return sequence(oid(id), e.critical ? boolean(true) : Buffer.alloc(0), octets(encode(e)))
}

const SHA256_WITH_RSA = sequence(oid('1.2.840.113549.1.1.11'), NULL)
const name = (commonName) => sequence(set(sequence(oid('2.5.4.3'), utf8(commonName))))

/**
 * Creates an X.509 v3 certificate signed with SHA-256 and RSA.
 * @param {object} spec
 * @param {string} spec.commonName the subject's CN
 * @param {string} spec.key the subject's private key (PEM); its public key goes in the certificate
 * @param {number} spec.from start of validity (epoch ms)
 * @param {number} spec.to end of validity (epoch ms)
 * @param {object[]} [spec.extensions] see EXTENSIONS
 * @param {{commonName: string, key: string}} [spec.issuer] the CA's CN and private key; self-signed without it
 * @returns {string} the certificate as PEM
 */
function createCertificate ({ commonName, key, from, to, extensions = [], issuer = { commonName, key } }) {
  const publicKey = createPublicKey(key).export({ type: 'spki', format: 'der' })
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(randomBytes(9)),
    SHA256_WITH_RSA,
    name(issuer.commonName),
    sequence(time(from), time(to)),
    name(commonName),
    publicKey,
    ...(extensions.length ? [explicit(3, sequence(...extensions.map(extension)))] : [])
  )
  const signature = createSign('sha256').update(tbs).sign(issuer.key)
  const der = sequence(tbs, SHA256_WITH_RSA, bits(signature))
  const lines = der.toString('base64').match(/.{1,64}/g)
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`
}

module.exports = { createCertificate }
