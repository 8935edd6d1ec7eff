// Writes src/api.gen.ts, the TypeScript of every shape in the server's OpenAPI document
// (crates/http/src/api/openapi.json), with openapi-typescript. The document is the one source:
// the server's HTTP tests validate every real answer against it, this file is made from it,
// and src/api.gen.test.ts fails when the two differ (run `npm run api-types` and commit).
import openapiTS, { astToString } from 'openapi-typescript'
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

export const DOCUMENT = new URL('../../crates/http/src/api/openapi.json', import.meta.url)
export const GENERATED = new URL('../src/api.gen.ts', import.meta.url)

const HEADER = `// Generated from crates/http/src/api/openapi.json by \`npm run api-types\`: do not edit.
// src/types.ts names these shapes for the app.

`

/** The text src/api.gen.ts must hold for the document as it is now. */
export async function generate() {
  const document = JSON.parse(await readFile(DOCUMENT, 'utf8'))
  const ast = await openapiTS(document, { alphabetize: false })
  return HEADER + astToString(ast)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(GENERATED, await generate())
  console.log(`wrote ${fileURLToPath(GENERATED)}`)
}
