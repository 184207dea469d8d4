'use strict'

// An app's own jest setup, as Adobe's aem-headless-client-js tests use it: jest-fetch-mock
// replaces globalThis.fetch. Run by __tests__/test-doubles.test.js.
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/*.jest.js'],
  setupFiles: ['<rootDir>/setup.js']
}
