/**
 * What `netbench init` writes: an example suite for the local lab, a config, and with `--ci
 * github` a workflow with two gates — the lab for what the lab can see (kernel, node image, MTU,
 * instance sizes, the suites) and k3s for what only a cluster running the CNI can see (its version
 * and configuration, old and new manifests side by side).
 */

export const EXAMPLE_SUITE = `import { defineSuite, tcp, udp } from 'netbench'

/**
 * An example study on the local lab (network namespaces on this machine, Linux and root):
 * plain node networking against flannel's VXLAN overlay, across two zones on m4.large uplinks
 * (450 Mbit/s). Runs in about 40 s; for a real study raise duration to 10s and repeat to 5.
 *
 *   sudo npx netbench setup --yes       # the lab's system packages, once
 *   sudo npx netbench                    # runs every suite under suites/
 */
export default defineSuite({
  name: 'Example: flannel against host networking',
  cluster: { provider: 'local', nodes: 2, zones: 2, instance: 'm4.large' },
  networks: ['host', 'flannel'],
  // Both networks stay up and every point's repeats alternate (host, flannel, host, …), so a
  // busy moment on the machine hits both alike and the comparison below stays fair.
  order: 'interleaved',
  steps: [
    udp({ bitrates: ['10M', '100M', '300M'], duration: '2s', between: 'zones' }),
    tcp({ streams: 1, duration: '2s', between: 'zones', repeat: 3 }),
  ],
  expect: [
    'all at 10M loss < 1%',
    'all at 10M throughput >= 98% of offered',
    'all at 100M loss < 2%',
    'host tcp throughput >= 250M',
    // VXLAN costs 50 bytes of every 1500: flannel should keep most of what host reaches.
    'flannel tcp throughput >= 80% of host',
  ],
})
`

export const CONFIG = `import { defineConfig } from 'netbench'

export default defineConfig({
  // terminal while running; html (index.html), junit.xml and result.json for CI and later runs
  reporters: ['terminal', 'html', 'junit', 'json'],
  reportDir: 'netbench-report',
})
`

/**
 * The CNI gate: the base branch's manifest and the pull request's, two k3s clusters of one run.
 * Outside suites/ so that a plain \`npx netbench\` on a laptop runs the lab suites only.
 */
export const CNI_GATE_SUITE = `import { defineSuite, tcp, udp } from 'netbench'

/**
 * CNI gate: the CNI manifest of the base branch against the pull request's, as two k3s clusters
 * of one run (k3s in Docker; no root). The workflow copies the base branch's manifest to
 * cni/base/. Repeats alternate between the two clusters, so the runner's drift hits both alike.
 *
 *   npx netbench gates/cni.netbench.ts
 */
export default defineSuite({
  name: 'CNI gate: base branch against this pull request',
  cluster: { provider: 'k3s', nodes: 3, zones: 3 },
  networks: [
    { name: 'calico-base', cni: 'calico', manifest: '../cni/base/calico.yaml' },
    { name: 'calico-pr', cni: 'calico', manifest: '../cni/calico.yaml' },
  ],
  order: 'interleaved',
  steps: [
    udp({ bitrates: ['10M', '100M', '500M'], duration: '5s', between: 'zones', repeat: 3 }),
    tcp({ streams: 1, duration: '5s', between: 'zones', repeat: 5 }),
  ],
  expect: [
    'calico-pr tcp throughput >= 97% of calico-base',
    'calico-pr at 500M throughput >= 97% of calico-base',
    'all at 100M loss < 1%',
  ],
})
`

export const GITHUB_WORKFLOW = `# Written by \`netbench init --ci github\`. Two gates, each for what its target can see:
#  - lab: the local lab (network namespaces on the runner) for the suites under suites/, MTU and
#    instance-size choices, and — on a runner booted from your node image — the kernel.
#  - cni: k3s in Docker with the base branch's CNI manifest and the pull request's side by side.
#    The lab runs no CNI's code, so only this gate can see a CNI version or configuration change.
name: netbench

on:
  pull_request:
    paths: ['cni/**', 'gates/**', 'suites/**', 'netbench.config.ts', 'package.json', '.github/workflows/netbench.yml']
  workflow_dispatch:

permissions:
  contents: read

jobs:
  changes:
    runs-on: ubuntu-24.04
    outputs:
      cni: \${{ steps.filter.outputs.cni }}
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - id: filter
        run: |
          if [ "\${{ github.event_name }}" = pull_request ] && git diff --quiet "origin/\${{ github.base_ref }}" HEAD -- cni gates; then
            echo cni=false >> "$GITHUB_OUTPUT"
          else
            echo cni=true >> "$GITHUB_OUTPUT"
          fi

  lab:
    # The lab measures the kernel it runs on: to gate a kernel or node image, run this job on a
    # self-hosted runner booted from that image (runs-on: [self-hosted, <your label>]).
    runs-on: ubuntu-24.04
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
          cache: npm
      - run: npm ci
      - run: sudo npx netbench setup --yes
      - name: Run the lab suites
        run: sudo --preserve-env=PATH npx netbench --report-dir netbench-report/lab
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: netbench-lab
          path: netbench-report/lab/

  cni:
    needs: changes
    if: needs.changes.outputs.cni == 'true'
    # GitHub's Ubuntu runners come with Docker, which the k3s provider needs (no root).
    runs-on: ubuntu-24.04
    timeout-minutes: 60
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: actions/setup-node@v4
        with:
          node-version: 20
          cache: npm
      - run: npm ci
      - name: The base branch's manifest beside the pull request's
        run: |
          mkdir -p cni/base
          git show "origin/\${{ github.base_ref || github.event.repository.default_branch }}:cni/calico.yaml" > cni/base/calico.yaml
      - name: Base and candidate in one k3s run, repeats interleaved
        run: npx netbench gates/cni.netbench.ts --report-dir netbench-report/cni
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: netbench-cni
          path: netbench-report/cni/
`
