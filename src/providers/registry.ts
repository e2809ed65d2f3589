import { NetbenchError } from '../errors.ts'
import { localProvider } from './local/provider.ts'
import type { Provider } from './types.ts'

const providers: Record<string, Provider> = {
  local: localProvider,
}

export function providerFor(name: string): Provider {
  const provider = providers[name]
  if (!provider) throw new NetbenchError('SUITE_INVALID', `unknown provider '${name}'`, { hint: `use one of ${Object.keys(providers).join(', ')}` })
  return provider
}
