/**
 * Runs the Kubernetes API STAND-IN on its own, for trying the kube provider by hand:
 *   npx tsx test/kube-standin/serve.ts /tmp/standin.kubeconfig [context…]
 *   node bin/netbench.js --kubeconfig /tmp/standin.kubeconfig suites/…kube….netbench.ts
 * Ctrl-C stops it (and the processes its pods run). It is not a Kubernetes: see server.ts.
 */
import { writeFileSync } from 'node:fs'
import { KubeStandIn } from './server.ts'

const [file, ...contexts] = process.argv.slice(2)
if (!file) {
  process.stderr.write('usage: serve.ts <kubeconfig to write> [context…]\n')
  process.exit(2)
}
const standIn = await KubeStandIn.start()
writeFileSync(file, standIn.kubeconfig(contexts.length ? contexts : ['standin']))
process.stdout.write(`kube stand-in on ${standIn.url}; kubeconfig written to ${file}\n`)
const stop = async () => {
  process.stdout.write(`namespaces left: ${standIn.namespaces().join(', ') || 'none'}; exec processes left: ${standIn.processes()}\n`)
  await standIn.close()
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
