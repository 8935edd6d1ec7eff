// @vitest-environment node
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain ES module script without type declarations.
import { generate, GENERATED } from '../scripts/api-types.mjs'

describe('the generated API types', () => {
  it('are what openapi-typescript makes of the OpenAPI document today', async () => {
    const committed = await readFile(GENERATED, 'utf8')
    // On a difference: `npm run api-types`, then commit src/api.gen.ts.
    expect(committed).toBe(await generate())
  })
})
