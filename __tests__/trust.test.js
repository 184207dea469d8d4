'use strict'

// Trust decided exactly as Node decides it, from its inputs as they are when a client is built:
// a differential test against https.get over every combination of NODE_EXTRA_CA_CERTS (set at
// start, or not), NODE_TLS_REJECT_UNAUTHORIZED (set and unset during the process, in either
// order) and the `ca` option (none, the server's CA, another CA: Node's `ca` replaces the
// default roots), for a CA-signed server and a self-signed CA:TRUE one.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { execFile } = require('node:child_process')
const { promisify } = require('node:util')
const { startEmulator } = require('../emulator')
const { createTlsCertificate } = require('../emulator/tls')
const { setup } = require('./helpers')

const run = promisify(execFile)
const PROBE = path.join(__dirname, 'support', 'trust-probe.js')
const ORDERS = { 'set, then unset': ['0', 'unset', '0'], 'unset, then set': ['unset', '0', 'unset'] }

let signed
let selfSigned
let otherCa
before(async () => {
  signed = await setup()
  selfSigned = await startEmulator({ certificate: 'self-signed' })
  otherCa = (await createTlsCertificate('ca-signed')).caPem
})
after(async () => {
  await signed.close()
  await selfSigned.close()
})

for (const server of ['CA-signed', 'self-signed CA:TRUE']) {
  for (const extra of [false, true]) {
    for (const [order, steps] of Object.entries(ORDERS)) {
      test(`${server} server, NODE_EXTRA_CA_CERTS ${extra ? 'set' : 'unset'}, NODE_TLS_REJECT_UNAUTHORIZED ${order}: the same decisions as https.get`, async () => {
        const emu = server === 'CA-signed' ? signed.emu : selfSigned
        const caFile = path.join(signed.dir, `trust-${server === 'CA-signed' ? 'signed' : 'self'}.pem`)
        fs.writeFileSync(caFile, emu.caPem)
        const env = { ...process.env }
        delete env.NODE_EXTRA_CA_CERTS
        delete env.NODE_TLS_REJECT_UNAUTHORIZED
        if (extra) env.NODE_EXTRA_CA_CERTS = caFile
        if (steps[0] === '0') env.NODE_TLS_REJECT_UNAUTHORIZED = '0'
        const cas = { none: null, "the server's CA": emu.caPem, 'another CA': otherCa }
        const { stdout } = await run(process.execPath, [PROBE, emu.url, JSON.stringify(steps), JSON.stringify(cas)], { env })
        const outcomes = JSON.parse(stdout)
        assert.equal(outcomes.length, steps.length * 3)
        for (const { step, ca, node, ours } of outcomes) {
          assert.equal(ours, node, `NODE_TLS_REJECT_UNAUTHORIZED ${step}, ca ${ca}: Node ${node ? 'accepts' : 'refuses'}, ours ${ours ? 'accepts' : 'refuses'}`)
        }
        // The matrix holds both answers: it would catch a client that always accepted or refused.
        assert.ok(outcomes.some((o) => o.node) && outcomes.some((o) => !o.node))
      })
    }
  }
}
