/**
 * A STAND-IN for the rancher/k3s image, for tests of the k3s provider's Docker side on a real
 * engine where the real image cannot be pulled. It runs no Kubernetes: `/bin/k3s` is a shell
 * script that answers what the provider asks of the image (`server` writes a kubeconfig and stays
 * up, `agent` stays up, `kubectl get --raw=/readyz` says ok). Built with `docker import` from this
 * machine's own sh, sleep, test and mount and the libraries they load, so it needs no registry.
 *
 * It is also an ADVERSARY for what a real node needs of its container but a stand-in cannot show
 * by running Kubernetes (issue 16): `server` and `agent` exit 1 with the reason when the node
 * shares the host's cgroup namespace or sees the host's cgroup tree (kubelets would reap each
 * other's pods), or when / or the mount holding /sys/fs/bpf is not shared (Calico's and Cilium's
 * Bidirectional mounts would fail).
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runChecked } from '../../exec.ts'

export const STANDIN_K3S_IMAGE = 'netbench-standin/k3s:test'
/** A variant whose server crashes 2 s after it starts (its ports are bound by then), saying why. */
export const CRASHING_STANDIN_K3S_IMAGE = 'netbench-standin/k3s:crashing'
export const STANDIN_CRASH = 'stand-in k3s: the server crashed on purpose'

/** A kubeconfig pointing at the server's API port, as k3s writes it (nothing serves it here). */
const KUBECONFIG = [
  'apiVersion: v1', 'kind: Config', 'current-context: default',
  'clusters:', '- name: default', '  cluster:', '    server: https://127.0.0.1:6443', '    insecure-skip-tls-verify: true',
  'contexts:', '- name: default', '  context: { cluster: default, user: default }',
  'users:', '- name: default', '  user: { token: standin }',
].join('\n')

const script = (crash: boolean) => `#!/bin/sh
# netbench test stand-in for rancher/k3s: no Kubernetes runs here.
fail() { echo "stand-in k3s: $*" >&2; exit 1; }
# Every line of /proc/self/cgroup is "/" in the node's own cgroup namespace (/docker/<id> in the host's).
own_cgroup_namespace() {
  while IFS=: read -r id controllers path; do [ "$path" = / ] || return 1; done < /proc/self/cgroup
}
# /sys/fs/cgroup is the node's own tree when its root cgroup holds this process (not the host's bind-mounted).
own_cgroup_tree() {
  procs=/sys/fs/cgroup/cgroup.procs
  [ -e "$procs" ] || for procs in /sys/fs/cgroup/*/cgroup.procs; do break; done
  while read -r pid; do [ "$pid" = $$ ] && return 0; done < "$procs"
  return 1
}
# The mount holding $1 (the longest mount point above it; the last when stacked) has a shared:N tag.
shared() {
  best=; tags=
  while read -r id parent device root point rest; do
    case "$1" in "$point"|"$point"/*) ;; *) [ "$point" = / ] || continue ;; esac
    [ \${#point} -ge \${#best} ] || continue
    best=$point; tags=" \${rest%% - *} "
  done < /proc/self/mountinfo
  case "$tags" in *" shared:"*) return 0 ;; *) return 1 ;; esac
}
case "$1" in
  server|agent)
    own_cgroup_namespace || fail "the node shares the host's cgroup namespace: every node's kubelet would manage the same /kubepods"
    own_cgroup_tree || fail "/sys/fs/cgroup is not the node's own cgroup tree (the host's, bind-mounted?)"
    shared / || fail "/ is not a shared mount: Calico's and Cilium's Bidirectional mounts would fail"
    shared /sys/fs/bpf || fail "/sys/fs/bpf is not on a shared mount: Cilium's bpffs mount would not reach the node" ;;
esac
case "$1" in
  server) ${crash ? `sleep 2; echo '${STANDIN_CRASH}' >&2; exit 1` : `printf '%s\\n' '${KUBECONFIG.replaceAll("'", '')}' > /etc/rancher/k3s/k3s.yaml`} ;;
  agent) ;;
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

export async function buildStandInK3sImage(image = STANDIN_K3S_IMAGE): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'netbench-k3s-standin-'))
  try {
    const root = join(dir, 'root')
    await mkdir(join(root, 'bin'), { recursive: true })
    await mkdir(join(root, 'etc/rancher/k3s'), { recursive: true })
    await writeFile(join(root, 'bin/k3s'), script(image === CRASHING_STANDIN_K3S_IMAGE), { mode: 0o755 })
    const programs = ['/bin/sh', '/bin/sleep', '/bin/test', '/bin/mount']
    const files = new Set(programs)
    for (const program of programs) for (const library of await librariesOf(program)) files.add(library)
    const tarball = join(dir, 'rootfs.tar')
    // -h stores what symlinks point to (/bin and /lib64 are links on merged-/usr systems).
    await runChecked('tar', ['-c', '-h', '-f', tarball, '-C', '/', ...[...files].map((file) => file.slice(1)), '-C', root, 'bin/k3s', 'etc'])
    await runChecked('docker', ['import', '--change', 'ENTRYPOINT ["/bin/k3s"]', '--change', 'ENV PATH=/bin', tarball, image])
    return image
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export async function removeStandInK3sImage(image = STANDIN_K3S_IMAGE): Promise<void> {
  await runChecked('docker', ['image', 'rm', '--force', image])
}
