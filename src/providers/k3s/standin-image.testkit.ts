/**
 * A STAND-IN for the rancher/k3s image, for tests of the k3s provider's Docker side on a real
 * engine where the real image cannot be pulled. It runs no Kubernetes: `/bin/k3s` is a shell
 * script that answers what the provider asks of the image (`server` writes a kubeconfig and stays
 * up, `agent` stays up but `agent --probe` exits, `kubectl get --raw=/readyz` says ok). Built with
 * `docker import` from this machine's own sh and sleep and the libraries they load, so it needs no
 * registry.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runChecked } from '../../exec.ts'

export const STANDIN_K3S_IMAGE = 'netbench-standin/k3s:test'

/** A kubeconfig pointing at the server's API port, as k3s writes it (nothing serves it here). */
const KUBECONFIG = [
  'apiVersion: v1', 'kind: Config', 'current-context: default',
  'clusters:', '- name: default', '  cluster:', '    server: https://127.0.0.1:6443', '    insecure-skip-tls-verify: true',
  'contexts:', '- name: default', '  context: { cluster: default, user: default }',
  'users:', '- name: default', '  user: { token: standin }',
].join('\n')

const SCRIPT = `#!/bin/sh
# netbench test stand-in for rancher/k3s: no Kubernetes runs here.
case "$1" in
  server) printf '%s\\n' '${KUBECONFIG.replaceAll("'", '')}' > /etc/rancher/k3s/k3s.yaml ;;
  # --probe: the test's check that this engine starts privileged containers; it must end.
  agent) test "$2" = --probe && exit 0 ;;
  kubectl) test -s /etc/rancher/k3s/k3s.yaml && echo ok; exit $? ;;
  *) echo "stand-in k3s: unknown command $1" >&2; exit 2 ;;
esac
exec sleep 2147483647
`

/** The files a program loads, from ldd (the vdso has no file). */
async function librariesOf(program: string): Promise<string[]> {
  const output = await runChecked('ldd', [program])
  return [...output.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((match) => match[1]!)
}

export async function buildStandInK3sImage(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'netbench-k3s-standin-'))
  try {
    const root = join(dir, 'root')
    await mkdir(join(root, 'bin'), { recursive: true })
    await mkdir(join(root, 'etc/rancher/k3s'), { recursive: true })
    await writeFile(join(root, 'bin/k3s'), SCRIPT, { mode: 0o755 })
    const programs = ['/bin/sh', '/bin/sleep', '/bin/test']
    const files = new Set(programs)
    for (const program of programs) for (const library of await librariesOf(program)) files.add(library)
    const tarball = join(dir, 'rootfs.tar')
    // -h stores what symlinks point to (/bin and /lib64 are links on merged-/usr systems).
    await runChecked('tar', ['-c', '-h', '-f', tarball, '-C', '/', ...[...files].map((file) => file.slice(1)), '-C', root, 'bin/k3s', 'etc'])
    await runChecked('docker', ['import', '--change', 'ENTRYPOINT ["/bin/k3s"]', '--change', 'ENV PATH=/bin', tarball, STANDIN_K3S_IMAGE])
    return STANDIN_K3S_IMAGE
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export async function removeStandInK3sImage(): Promise<void> {
  await runChecked('docker', ['image', 'rm', '--force', STANDIN_K3S_IMAGE])
}
