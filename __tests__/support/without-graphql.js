'use strict'

// A preload (`node --require`) that runs a process as in an app that did not install the
// emulator's optional peer dependency: resolving `graphql` fails as it would, from anywhere.

const Module = require('node:module')

const resolve = Module._resolveFilename
Module._resolveFilename = function (request, ...rest) {
  if (request === 'graphql' || request.startsWith('graphql/')) {
    const error = new Error(`Cannot find module '${request}'`)
    error.code = 'MODULE_NOT_FOUND'
    throw error
  }
  return resolve.call(this, request, ...rest)
}
