'use strict'

// Adobe's getToken and ours on the same failures, in a process no test runner runs (so this
// package takes its native path), preloaded with emulator/redirect-443.js: Adobe's getToken
// calls IMS on port 443, which goes to the scenario IMS (`startScenarioIms`, started by the
// caller on AEM_EMULATOR_PORT, trusted through NODE_EXTRA_CA_CERTS). Usage:
// `node --require emulator/redirect-443.js token-errors.js DIR`, DIR holding template.json
// (service credentials); prints `[{scenario, input, adobe, ours, viaJavaScript}]` as JSON.

const fs = require('node:fs')
const path = require('node:path')
const https = require('node:https')

/** IMS's answers by client id: [status, content type, body]. */
const IMS_ANSWERS = {
  'invalid-secret': [400, 'application/json', JSON.stringify({ error: 'invalid_client', error_description: 'invalid client_secret parameter' })],
  'no-description': [400, 'application/json', JSON.stringify({ error: 'invalid_scope' })],
  'gateway-html': [502, 'text/html', '<html><body>Bad Gateway</body></html>'],
  'ok-not-json': [200, 'text/plain', 'token=abc'],
  'empty-401': [401, 'application/json', '']
}

/** Every scenario: a credentials input (a file path, or how to make one) and its name. */
const scenarios = [
  { scenario: 'a missing file (relative path)', file: () => 'no-such-credentials.json' },
  { scenario: 'a missing file (absolute path)', file: (dir) => path.join(dir, 'missing', 'credentials.json') },
  { scenario: 'a directory', file: (dir) => dir },
  { scenario: 'a file that is not JSON', file: (dir) => write(dir, 'broken.json', '{"integration": {"org": "x",') },
  { scenario: 'a file with a trailing comma', file: (dir) => write(dir, 'comma.json', '{"accessToken": "t",}') },
  ...Object.keys(IMS_ANSWERS).map((clientId) => ({ scenario: `IMS answers ${clientId}`, ims: clientId })),
  { scenario: 'an IMS host that does not resolve', ims: 'unused', imsEndpoint: 'ims.aem-headless-rs.invalid' }
]

function write (dir, name, text) {
  const file = path.join(dir, name)
  fs.writeFileSync(file, text)
  return file
}

function shown (error) {
  if (!(error instanceof Error)) return { resolved: true }
  return { name: error.name, code: error.code, message: error.message, sdkDetails: JSON.stringify(error.sdkDetails), keys: Object.keys(error.sdkDetails) }
}

/**
 * Starts the scenario IMS on loopback with `tls` (`{key, cert}`): it answers a token request by
 * its form's client id, from IMS_ANSWERS. Resolves with the server.
 */
async function startScenarioIms (tls) {
  const server = https.createServer({ key: tls.key, cert: tls.cert }, (request, response) => {
    let body = ''
    request.on('data', (chunk) => { body += chunk })
    request.on('end', () => {
      const clientId = new URLSearchParams(body).get('client_id')
      const [status, type, text] = IMS_ANSWERS[clientId] || [500, 'text/plain', 'unknown scenario']
      response.writeHead(status, { 'content-type': type })
      response.end(text)
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}

/**
 * The credentials input of every scenario, in `dir`, from `template` (service credentials whose
 * client id names the IMS answer).
 */
function inputs (dir, template, port) {
  return scenarios.map(({ scenario, file, ims, imsEndpoint }) => {
    if (file !== undefined) return { scenario, input: file(dir), viaJavaScript: true }
    const credentials = JSON.parse(JSON.stringify(template))
    credentials.integration.technicalAccount.clientId = ims
    credentials.integration.imsEndpoint = imsEndpoint || `127.0.0.1:${port}`
    return { scenario, input: write(dir, `${ims}.json`, JSON.stringify(credentials)), viaJavaScript: imsEndpoint === undefined }
  })
}

async function main (dir) {
  const port = Number(process.env.AEM_EMULATOR_PORT)
  const template = JSON.parse(fs.readFileSync(path.join(dir, 'template.json'), 'utf8'))
  const Adobe = require('@adobe/aem-headless-client-nodejs')
  const ours = require('../..')
  const results = []
  for (const { scenario, input, viaJavaScript } of inputs(dir, template, port)) {
    const adobe = shown(await Adobe.getToken(input).then(() => undefined, (error) => error))
    const native = shown(await ours.getToken(input).then(() => undefined, (error) => error))
    results.push({ scenario, input, adobe, ours: native, viaJavaScript })
  }
  process.stdout.write(JSON.stringify(results))
}

module.exports = { scenarios, IMS_ANSWERS, startScenarioIms, shown }

if (require.main === module) {
  main(process.argv[2]).catch((error) => {
    process.stderr.write(`${error.stack}\n`)
    process.exit(1)
  })
}
