// Typed calls to AEM's Sites API: openapi-fetch over `aem.authFetch`, with the types
// openapi-typescript generated from Adobe's OpenAPI description
// (`npx openapi-typescript emulator/sites-openapi.yaml -o examples/sites-api-types.d.ts`).
// Paths, parameters and bodies are checked by the compiler; the token, X-Api-Key, retries and the
// 401 refresh come from the client.
import createClient from 'openapi-fetch'
import { AEMHeadless } from 'aem-headless-rs'
import type { components, paths } from './sites-api-types.js'

// Adobe's description types a patch's `value` as an object; a title is a string.
type JsonPatch = components['schemas']['JsonPatch']

const aem = new AEMHeadless({ serviceURL: 'https://author-p123-e456.adobeaemcloud.com', credentials: './oauth-credentials.json' })
const sites = createClient<paths>({ baseUrl: `${aem.serviceURL}adobe/sites`, fetch: aem.authFetch })

export async function retitle (fragmentId: string, title: string): Promise<string | undefined> {
  const { data, response } = await sites.GET('/cf/fragments/{fragmentId}', {
    params: { path: { fragmentId }, header: { 'X-Adobe-Accept-Unsupported-API': 1 } }
  })
  if (!data) throw new Error(`GET answered ${response.status}`)
  const etag = response.headers.get('etag') ?? ''
  const patched = await sites.PATCH('/cf/fragments/{fragmentId}', {
    params: { path: { fragmentId }, header: { 'If-Match': etag, 'X-Adobe-Accept-Unsupported-API': 1 } },
    body: [{ op: 'replace', path: '/title', value: title } as unknown as JsonPatch],
    headers: new Headers({ 'Content-Type': 'application/json-patch+json' })
  })
  if (patched.error) throw new Error(`PATCH answered ${patched.response.status}: ${patched.error.title}`)
  return patched.data.data?.title
}
