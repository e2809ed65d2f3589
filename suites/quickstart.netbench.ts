import { defineSuite, tcp, udp } from 'netbench'

/**
 * The quickstart: plain node-to-node networking across three availability zones on m4.large
 * uplinks (450 Mbit/s), swept with UDP and measured with TCP. Expectations encode what a healthy
 * underlay does: lossless at modest rates, UDP capped near the instance's rate, TCP close to it.
 */
export default defineSuite({
  name: 'Quickstart: host networking across zones (m4.large)',
  cluster: { provider: 'local', nodes: 3, zones: 3, instance: 'm4.large' },
  networks: ['host'],
  steps: [
    udp({ bitrates: ['1M', '10M', '100M', '1G'], duration: '10s', between: 'zones' }),
    tcp({ streams: 1, duration: '10s', between: 'zones' }),
  ],
  expect: [
    'host at 1M throughput >= 99% of offered',
    'host at 10M loss < 1%',
    'host at 100M loss < 2%',
    'host at 1G throughput <= 460M',
    'host tcp throughput >= 300M',
  ],
})
