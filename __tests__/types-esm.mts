// Type checks of the ES module face (tsc -p tsconfig.esm.json; never run).
import AEMHeadless, { getToken, TokenProvider, AEMHeadlessError, ErrorCodes, type AEMHeadlessConfig, type GraphQLResponse, type ErrorCode } from 'aem-headless-rs'

export async function esmUsage (): Promise<void> {
  const config: AEMHeadlessConfig = { serviceURL: 'https://publish.example', cache: true }
  const aem = new AEMHeadless(config)
  const result: GraphQLResponse<{ adventureList: { items: Array<{ slug: string }> } }> = await aem.runPersistedQuery('wknd-shared/adventures-all')
  const slugs: string[] = result.data.adventureList.items.map((item) => item.slug)
  const { accessToken } = await getToken('./service-credentials.json')
  const provider = new TokenProvider('./service-credentials.json')
  const code: ErrorCode = 'API_ERROR'
  const ApiError = ErrorCodes.API_ERROR
  try {
    await new AEMHeadless({ serviceURL: 'https://publish.example', tokenProvider: provider }).runQuery('{ a }')
  } catch (error) {
    if (error instanceof AEMHeadlessError && error.code === code) console.log(error.sdkDetails.status, new ApiError() instanceof AEMHeadlessError)
  }
  console.log(slugs, accessToken.length)
  // @ts-expect-error the constructor needs a config
  new AEMHeadless()
}
