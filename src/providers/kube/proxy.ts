/**
 * HTTPS_PROXY for the API server, as kubectl has it (Go's httpproxy rules): client-node only
 * honours a kubeconfig cluster's `proxy-url`, so a context behind a corporate proxy that kubectl
 * reaches would time out here. NO_PROXY entries are `*`, IPs, CIDRs and domain suffixes (with or
 * without a leading dot, with or without a port); loopback is never proxied.
 */
import { BlockList, isIP } from 'node:net'

function excluded(host: string, port: string, noProxy: string): boolean {
  for (const raw of noProxy.split(',').map((entry) => entry.trim().toLowerCase()).filter(Boolean)) {
    if (raw === '*') return true
    if (raw.includes('/')) {
      const [base, bits] = raw.split('/')
      const family = isIP(base!)
      if (family && isIP(host) === family) {
        const list = new BlockList()
        list.addSubnet(base!, Number(bits), family === 6 ? 'ipv6' : 'ipv4')
        if (list.check(host, family === 6 ? 'ipv6' : 'ipv4')) return true
      }
      continue
    }
    const match = /^(.*?)(?::(\d+))?$/.exec(raw.startsWith('[') ? raw.replace(/^\[|\](?=:|$)/g, '') : raw)!
    const name = match[1]!.replace(/^\*?\./, '')
    if (match[2] && match[2] !== port) continue
    if (host === name || host.endsWith(`.${name}`)) return true
  }
  return false
}

/** The proxy URL for an API server URL under this environment; undefined: connect directly. */
export function proxyFor(server: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  let url: URL
  try {
    url = new URL(server)
  } catch {
    return undefined
  }
  const proxy = url.protocol === 'https:' ? env.HTTPS_PROXY ?? env.https_proxy : env.HTTP_PROXY ?? env.http_proxy
  if (!proxy) return undefined
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1') return undefined
  const port = url.port || (url.protocol === 'https:' ? '443' : '80')
  return excluded(host, port, env.NO_PROXY ?? env.no_proxy ?? '') ? undefined : proxy
}
