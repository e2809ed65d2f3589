import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Certificate {
  key: string
  cert: string
}

let cached: Certificate | undefined

/**
 * A self-signed certificate for 127.0.0.1, made with openssl once per process: the stand-in speaks
 * HTTPS like a real API server, and the kubeconfig carries it as certificate-authority-data.
 */
export function standInCertificate(): Certificate {
  if (cached) return cached
  const dir = mkdtempSync(join(tmpdir(), 'kube-standin-tls-'))
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2',
      '-subj', '/CN=netbench-kube-standin', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:api.standin.invalid',
    ], { stdio: 'ignore' })
    cached = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') }
    return cached
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
