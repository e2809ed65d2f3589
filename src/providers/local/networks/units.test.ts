import { describe, expect, it } from 'vitest'
import { calicoBlock, nodeMac, nodeSubnet, weaveRange } from './addressing.ts'
import { birdConfig, parseBgpSessions } from './bird.ts'
import { caliInterface } from './calico-pods.ts'
import { reachabilityPairs, type Pod } from '../pods.ts'
import type { LabNode } from '../lab.ts'

const node = (index: number) => ({ name: `n${index + 1}`, zone: 'a', namespace: `nbtest-n${index + 1}`, ip: `198.18.0.${index + 1}` }) as LabNode

describe('addressing: everything inside 198.19.0.0/16', () => {
  it('gives every node its own /24, /26 block and weave slice', () => {
    expect(nodeSubnet(0)).toEqual({ cidr: '198.19.1.0/24', base: '198.19.1.0', gateway: '198.19.1.1' })
    expect(nodeSubnet(49).cidr).toBe('198.19.50.0/24')
    expect([0, 1, 3, 4, 49].map((i) => calicoBlock(i).cidr)).toEqual(['198.19.0.0/26', '198.19.0.64/26', '198.19.0.192/26', '198.19.1.0/26', '198.19.12.64/26'])
    expect(weaveRange(2)).toEqual({ subnet: '198.19.0.0/16', rangeStart: '198.19.3.1', rangeEnd: '198.19.3.253', gateway: '198.19.3.254' })
  })

  it('uses locally administered unicast MACs', () => {
    const mac = nodeMac(0x01, 300)
    expect(mac).toBe('0a:58:01:01:2c:01')
    const first = parseInt(mac.slice(0, 2), 16)
    expect(first & 1).toBe(0)
    expect(first & 2).toBe(2)
  })

  it('names calico veths like Calico: cali + 11 hex digits, 15 characters', () => {
    expect(caliInterface('nbabcd-n1p1')).toMatch(/^cali[0-9a-f]{11}$/)
    expect(caliInterface('nbabcd-n1p1')).not.toBe(caliInterface('nbabcd-n1p2'))
  })
})

describe('BIRD', () => {
  it('renders an iBGP full mesh announcing the own blocks', () => {
    const config = birdConfig({ node: node(0), peers: [node(1), node(2)], blocks: ['198.19.0.0/26'], logFile: '/tmp/nbtest-x/bird.log' })
    expect(config).toContain('router id 198.18.0.1;')
    expect(config).toContain('route 198.19.0.0/26 blackhole;')
    expect(config).toContain('local 198.18.0.1 as 64512;')
    expect(config).toMatch(/hold time 3;\s+keepalive time 1;/)
    expect(config).toMatch(/next hop self;\s+gateway direct;/)
    expect(config).toContain('protocol bgp Mesh_n2 from calico_mesh { neighbor 198.18.0.2 as 64512; }')
    expect(config).toContain('protocol bgp Mesh_n3 from calico_mesh { neighbor 198.18.0.3 as 64512; }')
    expect(config).not.toContain('Mesh_n1')
  })

  it('reads session states from birdc show protocols', () => {
    const output = [
      'BIRD 2.0.12 ready.',
      'Name       Proto      Table      State  Since         Info',
      'device1    Device     ---        up     07:55:06.266  ',
      'calico_blocks Static     master4    up     07:55:06.266  ',
      'Mesh_n2    BGP        ---        up     07:55:07.042  Established   ',
      'Mesh_n3    BGP        ---        start  07:55:06.266  Active        Socket: Connection refused',
    ].join('\n')
    expect(parseBgpSessions(output)).toEqual({ Mesh_n2: 'Established', Mesh_n3: 'Active Socket: Connection refused' })
  })
})

describe('reachability probes', () => {
  const pods = (count: number, perNode = 2) => Array.from({ length: count }, (_, i) => ({ name: `p${i}`, index: (i % perNode) + 1, node: node(Math.floor(i / perNode)) }) as unknown as Pod)

  it('checks every ordered pair in small labs', () => {
    expect(reachabilityPairs(pods(6))).toHaveLength(30)
  })

  it('samples large labs in O(pods): a ring, a ring of nodes and a star both ways', () => {
    const all = pods(100)
    const pairs = reachabilityPairs(all)
    expect(pairs.length).toBeLessThan(400)
    for (const pod of all.slice(1)) {
      expect(pairs.some(([a, b]) => a === all[0] && b === pod)).toBe(true)
      expect(pairs.some(([a, b]) => a === pod && b === all[0])).toBe(true)
    }
    expect(pairs.every(([a, b]) => a !== b)).toBe(true)
  })
})
