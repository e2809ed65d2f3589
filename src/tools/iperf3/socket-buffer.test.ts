import { describe, expect, it } from 'vitest'
import { shaperQueueBytes, SHAPER_QUEUE_MAX_BYTES, SHAPER_QUEUE_MIN_BYTES, tbfArgs } from '../../providers/local/shaping.ts'
import { sysctlFileText } from '../../cli/setup-sysctl.ts'
import { parseSocketBufferLimit, socketBufferNote, STOCK_SOCKET_BUFFER_MAX } from './socket-buffer.ts'

describe('socket buffers within what the kernel grants', () => {
  it('takes the smaller of wmem_max and rmem_max', () => {
    expect(parseSocketBufferLimit('4194304\n212992\n')).toBe(212992)
    expect(parseSocketBufferLimit('4194304\n')).toBeUndefined()
    expect(parseSocketBufferLimit('cat: /proc/sys/net/core/wmem_max: No such file')).toBeUndefined()
  })

  it('says what stock limits cost, and nothing when they grant what probes want', () => {
    expect(socketBufferNote({ wmemMax: STOCK_SOCKET_BUFFER_MAX, rmemMax: STOCK_SOCKET_BUFFER_MAX }, 4194304)).toMatch(/cap UDP probes at -w 212992 \(wanted 4194304\).*receiver overrun.*netbench setup/)
    expect(socketBufferNote({ wmemMax: 4194304, rmemMax: 4194304 }, 4194304)).toBeNull()
  })

  it('the sysctl.d file says what it changes', () => {
    expect(sysctlFileText(4194304)).toMatch(/^# Written by `netbench setup`.*\nnet\.core\.wmem_max = 4194304\nnet\.core\.rmem_max = 4194304\n$/s)
  })
})

describe('the shaper queue stays below what a stock socket buffer holds', () => {
  // A 1442-byte frame of a full-size datagram costs ~2304 bytes of truesize; SO_SNDBUF doubles 212992.
  const stockDatagrams = (2 * STOCK_SOCKET_BUFFER_MAX) / 2304

  it('queues 20 ms at low rates, within its bounds at every rate the lab shapes to', () => {
    expect(shaperQueueBytes(10e6)).toBe(25_000)
    expect(shaperQueueBytes(1e6)).toBe(SHAPER_QUEUE_MIN_BYTES)
    for (const rate of [100e6, 450e6, 750e6, 2e9, 10e9]) expect(shaperQueueBytes(rate)).toBe(SHAPER_QUEUE_MAX_BYTES)
    expect(SHAPER_QUEUE_MAX_BYTES / 1442).toBeLessThan(stockDatagrams / 2)
  })

  it('gives tbf an explicit byte limit, not a latency that grows with the rate', () => {
    expect(tbfArgs('in1', 450e6)).toEqual(['qdisc', 'replace', 'dev', 'in1', 'root', 'tbf', 'rate', '450000000bit', 'burst', '1125000', 'limit', String(SHAPER_QUEUE_MAX_BYTES)])
  })
})
