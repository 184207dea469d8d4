#!/usr/bin/env node
'use strict'

// The command line: `token` exchanges a credentials file at IMS and prints IMS's JSON, as
// `@adobe/aemcs-api-client-lib`'s `cli.js exchange` does; `query` runs a persisted query and
// prints its JSON; `request` sends any request to an AEM API, curl with managed tokens; `emulator`
// runs the local IMS + AEM emulator (emulator/cli.js). Exit codes: 0 done, 1 failed, 2 wrong usage. Nothing secret is printed
// except the token `token` was asked for.

const fs = require('node:fs')
const path = require('node:path')

const USAGE = `Usage:
  aem-headless-rs token <credentials.json> [--ca <file>]
      Exchanges the credentials at Adobe IMS and prints IMS's JSON
      ({"token_type","access_token","expires_in"}, expires_in in milliseconds).
      Service credentials (JWT) go through /ims/exchange/jwt; OAuth Server-to-Server
      credentials and development tokens are turned into the same shape.
  aem-headless-rs query <host> <conf/name> [--var name=value ...] [--credentials <file>]
                        [--token <token>] [--method GET|POST] [--ca <file>]
      Runs a persisted query on the AEM host and prints its JSON. --var values that are
      JSON numbers, booleans or null are sent as such, anything else as a string. Auth comes
      from --credentials, else --token, else the AEM_TOKEN environment variable, else none.
  aem-headless-rs request [METHOD] <url | path> [--host <host>] [--data <JSON>] [--method M]
                          [--header "Name: value" ...] [--wait] [--credentials <file>]
                          [--token <token>] [--ca <file>]
      Sends METHOD (GET by default) to any AEM API with the managed token and X-Api-Key,
      and prints the body: JSON indented, anything else as it came. A path is taken
      relative to --host, else the AEM_HOST environment variable. --data is sent as JSON;
      --wait follows a 202's Location until the operation ends; with --data and no
      method, POST. An error answer prints its status and problem details on stderr.
      Auth as for query.
  aem-headless-rs upload <local path>... </content/dam/folder> [--host <host>] [--replace]
                         [--concurrency N] [--credentials <file>] [--token <token>] [--ca <file>]
      Uploads files and directories (recursively, creating their folders) to the DAM folder
      by direct binary upload. On a terminal it shows files, bytes, rate and ETA; otherwise
      one JSON line per event on stderr. Prints the result's JSON; exits 1 when any file
      failed. The host is --host, else AEM_HOST. Auth as for query.
  aem-headless-rs emulator [--port N] [--out DIR] [--queries FILE] [--fixtures DIR]
      Runs the local IMS + AEM emulator on 127.0.0.1 (port 0: a free one) until Ctrl-C,
      with the app's own content: --fixtures DIR (models.json, fragments.json, users.json,
      persistedQueries.json, queries/CONF/NAME.graphql), --queries FILE (persisted queries,
      {"conf/name": "query text"}). Writes service-credentials.json, dev-token.json and
      ca.pem to DIR (default .emulator) and prints {"url","imsEndpoint","credentialsFile",
      "devTokenFile","caFile"}. Needs the optional peer dependency graphql (docs/EMULATOR.md).
  aem-headless-rs --help

Exit codes: 0 done, 1 the request or exchange failed, 2 wrong usage.`

/** A usage mistake: printed with the usage, exit code 2. */
class UsageError extends Error {}

/** `argv` as positional arguments and options; `--var` may repeat. */
function parseArgs (argv) {
  const positional = []
  const options = { var: [], header: [] }
  const takesValue = new Set(['--var', '--credentials', '--token', '--method', '--ca', '--host', '--data', '--header', '--concurrency'])
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--help' || arg === '-h') {
      options.help = true
    } else if (arg === '--wait' || arg === '--replace') {
      options[arg.slice(2)] = true
    } else if (takesValue.has(arg)) {
      const value = argv[++i]
      if (value === undefined) throw new UsageError(`${arg} needs a value`)
      if (arg === '--var' || arg === '--header') options[arg.slice(2)].push(value)
      else options[arg.slice(2)] = value
    } else if (arg.startsWith('--')) {
      throw new UsageError(`unknown option ${arg}`)
    } else {
      positional.push(arg)
    }
  }
  return { positional, options }
}

/** `name=value` pairs as variables; JSON numbers, booleans and null keep their type. */
function variablesOf (pairs) {
  const variables = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new UsageError(`--var takes name=value, not ${JSON.stringify(pair)}`)
    const name = pair.slice(0, eq)
    const text = pair.slice(eq + 1)
    let value = text
    try {
      const parsed = JSON.parse(text)
      if (parsed === null || typeof parsed === 'number' || typeof parsed === 'boolean') value = parsed
    } catch {}
    variables[name] = value
  }
  return variables
}

/** The PEM of `--ca`, if given. */
function caOf (options) {
  if (options.ca === undefined) return undefined
  try {
    return fs.readFileSync(options.ca, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read --ca ${options.ca}: ${error.code || error.message}`)
  }
}

async function token ([file, ...rest], options) {
  if (!file || rest.length) throw new UsageError('token takes one credentials file')
  const { exchange, getToken } = require('..')
  const ca = caOf(options)
  let config
  try {
    config = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch {
    config = undefined // getToken reports the file's problem with its own codes
  }
  if (config && typeof config === 'object' && config.integration) {
    return exchange(config, { ca })
  }
  const { accessToken, type, expires } = await getToken(path.resolve(file), { ca })
  return { token_type: type.toLowerCase(), access_token: accessToken, expires_in: expires }
}

async function query ([host, queryPath, ...rest], options) {
  if (!host || !queryPath || rest.length) throw new UsageError('query takes a host and a persisted query path (conf/name)')
  const method = (options.method || 'GET').toUpperCase()
  if (method !== 'GET' && method !== 'POST') throw new UsageError('--method is GET or POST')
  return clientFor(host, options).runPersistedQuery(queryPath, variablesOf(options.var), { method })
}

/** A client of `host` with the auth the options or the environment give. */
function clientFor (host, options) {
  const AEMHeadless = require('..')
  const config = { serviceURL: host, ca: caOf(options) }
  if (options.credentials !== undefined) config.credentials = path.resolve(options.credentials)
  else if (options.token !== undefined || process.env.AEM_TOKEN) config.auth = options.token ?? process.env.AEM_TOKEN
  return new AEMHeadless(config)
}

/** The methods `request` takes as its first argument. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

async function request (args, options) {
  if (args.length === 0 || args.length > 2) throw new UsageError('request takes [METHOD] and a URL or path')
  if (args.length === 2 && options.method !== undefined) throw new UsageError('give the method once: as the first argument or as --method')
  if (args.length === 1 && METHODS.has(args[0].toUpperCase())) throw new UsageError(`request ${args[0]} needs a URL or path after the method`)
  // A body without a method is a POST, as with curl.
  const implied = options.method ?? (options.data !== undefined ? 'POST' : 'GET')
  const [method, target] = args.length === 2 ? [args[0].toUpperCase(), args[1]] : [implied.toUpperCase(), args[0]]
  if (!METHODS.has(method)) throw new UsageError(`${JSON.stringify(args.length === 2 ? args[0] : implied)} is not an HTTP method (${[...METHODS].join(', ')})`)
  let host = options.host ?? process.env.AEM_HOST
  if (/^https?:\/\//i.test(target)) host = host ?? new URL(target).origin
  if (!host) throw new UsageError('a path needs --host or AEM_HOST')
  let json
  if (options.data !== undefined) {
    try {
      json = JSON.parse(options.data)
    } catch {
      throw new UsageError('--data must be JSON')
    }
  }
  const headers = new Headers()
  for (const header of options.header) {
    const colon = header.indexOf(':')
    const name = header.slice(0, Math.max(colon, 0)).trim()
    if (colon <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new UsageError(`--header takes "Name: value", not ${JSON.stringify(header)}`)
    try {
      headers.append(name, header.slice(colon + 1).trim())
    } catch {
      throw new UsageError(`--header ${JSON.stringify(name)} has a value that cannot be sent`)
    }
  }
  return new Printed(await clientFor(host, options).request(target, { method, json, headers, wait: options.wait === true }))
}

/** `upload`: local paths to a DAM folder, with progress on stderr; fails when any file failed. */
async function upload (args, options) {
  if (args.length < 2) throw new UsageError('upload takes one or more local paths and a DAM folder (/content/dam/…)')
  const folder = args[args.length - 1]
  if (folder !== '/content/dam' && !folder.startsWith('/content/dam/')) throw new UsageError(`the last argument of upload is a DAM folder (/content/dam/…), not ${JSON.stringify(folder)}`)
  const host = options.host ?? process.env.AEM_HOST
  if (!host) throw new UsageError('upload needs --host or AEM_HOST')
  let concurrency
  if (options.concurrency !== undefined) {
    concurrency = Number(options.concurrency)
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UsageError('--concurrency is a whole number from 1 to 256')
  }
  const progress = require('./upload-progress').progressReporter(process.stderr)
  let result
  try {
    result = await clientFor(host, options).upload(folder, args.slice(0, -1), { onProgress: progress.onProgress, replace: options.replace === true, concurrency })
  } finally {
    progress.done()
  }
  const printed = { ...result, files: result.files.map((file) => ({ ...file, errors: file.errors.map((error) => error.toJSON()) })) }
  if (result.totals.failed > 0 || result.totals.cancelled > 0) throw new Failed(printed)
  return printed
}

/** A run that ended with failures: its result is printed, and the exit code is 1. */
class Failed extends Error {
  constructor (result) {
    const { failed, cancelled, files } = result.totals
    super([failed > 0 && `${failed} of ${files} file(s) failed`, cancelled > 0 && `${cancelled} of ${files} file(s) cancelled`].filter(Boolean).join(', '))
    this.result = result
  }
}

/** A result printed as it is: JSON indented, text and bytes as they came, nothing for no body. */
class Printed {
  constructor (body) {
    this.body = body
  }

  /** What goes to stdout: a string, or the bytes of a binary body. */
  output () {
    if (this.body === null) return ''
    if (typeof this.body === 'string' || Buffer.isBuffer(this.body)) return this.body
    return `${JSON.stringify(this.body, null, 2)}\n`
  }
}

/** `emulator`: its own options (emulator/cli.js); resolves once it listens, and it runs on. */
async function emulator (argv) {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  try {
    await require('../emulator/cli').runEmulatorCli(argv)
    return 0
  } catch (error) {
    if (error.code === 'EMULATOR_USAGE') return usage(error.message)
    process.stderr.write(`aem-headless-rs: ${error.message}\n`)
    return 1
  }
}

async function main (argv) {
  if (argv[0] === 'emulator') return emulator(argv.slice(1))
  let parsed
  try {
    parsed = parseArgs(argv)
  } catch (error) {
    return usage(error.message)
  }
  const { positional: [command, ...args], options } = parsed
  if (options.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const commands = { token, query, request, upload }
  if (!Object.hasOwn(commands, command || '')) return usage(command ? `unknown command ${command}` : 'no command given')
  try {
    const result = await commands[command](args, options)
    process.stdout.write(result instanceof Printed ? result.output() : `${JSON.stringify(result, null, 2)}\n`)
    return 0
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message)
    if (error instanceof Failed) process.stdout.write(`${JSON.stringify(error.result, null, 2)}\n`)
    process.stderr.write(`aem-headless-rs: ${error.message}\n`)
    // The message is Adobe's client's; what this package knows more (status, attempts, IMS's
    // error) is its cause's.
    if (error.cause instanceof Error && error.cause.message !== '') process.stderr.write(`  ${error.cause.message}\n`)
    const { problem, body } = error.sdkDetails || {}
    if (problem !== undefined || body !== undefined) process.stderr.write(`${JSON.stringify(problem ?? body, null, 2)}\n`)
    return 1
  }
}

function usage (problem) {
  process.stderr.write(`aem-headless-rs: ${problem}\n\n${USAGE}\n`)
  return 2
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code })
