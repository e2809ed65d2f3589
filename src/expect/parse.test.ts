import { describe, expect, it } from 'vitest'
import { NetbenchError } from '../errors.ts'
import { caretLine, describeExpectation, ExpectationParseError, parseExpectation, type Expectation } from './parse.ts'

type Partial = { [K in keyof Expectation]?: unknown }

const network = (name: string) => ({ kind: 'network', network: name })
const abs = (value: number, unit: string) => ({ kind: 'absolute', value, unit })
const rel = (percent: number, of: object) => ({ kind: 'relative', percent, of })
const offset = (value: number, unit: string) => ({ kind: 'offset', of: { kind: 'baseline' }, value, unit })

describe('parseExpectation: valid expectations', () => {
  const cases: [string, Partial][] = [
    ['weave at 100M loss < 5%', { subject: network('weave'), bitrateBps: 100e6, step: 'udp', metric: 'loss', stat: 'median', comparator: '<', bound: abs(5, 'percent') }],
    ['all at 1M throughput >= 99% of offered', { subject: { kind: 'all' }, bitrateBps: 1e6, step: 'udp', metric: 'throughput', comparator: '>=', bound: rel(99, { kind: 'offered' }) }],
    ['calico tcp throughput >= 90% of host', { subject: network('calico'), step: 'tcp', metric: 'throughput', bound: rel(90, network('host')) }],
    ['calico tcp via service throughput >= 95% of calico', { step: 'tcp', via: 'service', bound: rel(95, network('calico')) }],
    ['all via Hairpin zones tcp throughput >= 50% of flannel via pod', { subject: { kind: 'all' }, via: 'hairpin', topology: 'zones', bound: rel(50, { kind: 'network', network: 'flannel', via: 'pod' }) }],
    ['calico at 10M via nodeport loss < 1%', { bitrateBps: 10e6, via: 'nodeport', step: 'udp' }],
    ['host udp jitter.p95 <= 1ms', { step: 'udp', metric: 'jitter', stat: 'p95', comparator: '<=', bound: abs(1, 'ms') }],
    ['host tcp retransmits < 100', { step: 'tcp', metric: 'retransmits', bound: abs(100, 'count') }],
    ['flannel at 1G udp zones throughput.median >= 400Mbit', { bitrateBps: 1e9, step: 'udp', topology: 'zones', stat: 'median', bound: abs(400e6, 'bps') }],
    ['host cpu.max < 90%', { metric: 'cpu', stat: 'max', step: undefined, bound: abs(90, 'percent') }],
    ['flannel tcp throughput >= 95% of baseline', { step: 'tcp', bound: rel(95, { kind: 'baseline' }) }],
    ['weave loss<5%', { metric: 'loss', comparator: '<', step: 'udp', bound: abs(5, 'percent') }],
    ['weave loss<=0.5%', { comparator: '<=', bound: abs(0.5, 'percent') }],
    ['host throughput>=900Mbps', { comparator: '>=', step: undefined, bound: abs(900e6, 'bps') }],
    ['ALL AT 10M UDP NODES LOSS > 1%', { subject: { kind: 'all' }, bitrateBps: 10e6, step: 'udp', topology: 'nodes', metric: 'loss', comparator: '>' }],
    ['host jitter < 250us', { step: 'udp', metric: 'jitter', bound: abs(0.25, 'ms') }],
    ['host jitter.p99 <= 0.5ms', { stat: 'p99', bound: abs(0.5, 'ms') }],
    ['host jitter < 1s', { bound: abs(1000, 'ms') }],
    ['host retransmits <= 0', { step: 'tcp', bound: abs(0, 'count') }],
    ['weave retransmits.p95 < 12.5', { stat: 'p95', bound: abs(12.5, 'count') }],
    ['host throughput > 1.5G', { bound: abs(1.5e9, 'bps') }],
    ['host tcp throughput >= 100k', { bound: abs(100e3, 'bps') }],
    ['cilium same-node tcp throughput.min >= 9G', { topology: 'same-node', step: 'tcp', stat: 'min', bound: abs(9e9, 'bps') }],
    ['host nodes throughput >= 99% of offered', { topology: 'nodes', step: 'udp', bound: rel(99, { kind: 'offered' }) }],
    ['calico-ebpf zones tcp throughput.p95 > 80% of cilium2', { subject: network('calico-ebpf'), topology: 'zones', step: 'tcp', stat: 'p95', bound: rel(80, network('cilium2')) }],
    ['host throughput >= 90% OF Baseline', { bound: rel(90, { kind: 'baseline' }) }],
    ['host udp loss < 5 %', { bound: abs(5, 'percent'), spans: { value: { start: 16, end: 19 } } }],
    ['host cpu.mean < 150%', { stat: 'mean', bound: abs(150, 'percent') }],
    ['host at 500M throughput.p99 >= 450M', { bitrateBps: 500e6, step: 'udp', stat: 'p99', bound: abs(450e6, 'bps') }],
    ['kube-router loss.max <= 0%', { subject: network('kube-router'), stat: 'max', bound: abs(0, 'percent') }],
    ['all Tcp Throughput.MAX > 1M', { step: 'tcp', metric: 'throughput', stat: 'max' }],
    ['  weave at 100M loss < 5%  ', { text: 'weave at 100M loss < 5%', spans: { subject: { start: 0, end: 5 }, bitrate: { start: 9, end: 13 }, metric: { start: 14, end: 18 }, value: { start: 21, end: 23 } } }],
    ['flannel at 1G udp zones jitter.p95 <= 2ms', {
      spans: {
        subject: { start: 0, end: 7 }, bitrate: { start: 11, end: 13 }, step: { start: 14, end: 17 },
        topology: { start: 18, end: 23 }, metric: { start: 24, end: 34 }, value: { start: 38, end: 41 },
      },
    }],
    ['calico throughput >= 90% of host', { spans: { value: { start: 21, end: 24 }, reference: { start: 28, end: 32 } } }],
    ['all at 100M loss <= baseline + 0.5%', { subject: { kind: 'all' }, bitrateBps: 100e6, step: 'udp', metric: 'loss', comparator: '<=', bound: offset(0.5, 'percent'), spans: { value: { start: 20, end: 35 }, reference: { start: 20, end: 28 } } }],
    ['host jitter < baseline+1ms', { step: 'udp', metric: 'jitter', bound: offset(1, 'ms'), spans: { value: { start: 14, end: 26 } } }],
    ['flannel tcp throughput >= baseline - 50M', { step: 'tcp', metric: 'throughput', bound: offset(-50e6, 'bps') }],
    ['host tcp retransmits <= baseline', { step: 'tcp', bound: offset(0, 'count'), spans: { value: { start: 24, end: 32 }, reference: { start: 24, end: 32 } } }],
    ['host loss <= baseline +0.5 %', { bound: offset(0.5, 'percent'), spans: { value: { start: 13, end: 28 } } }],
    ['host cpu.max < BASELINE+ 5%', { stat: 'max', bound: offset(5, 'percent') }],
    ['host loss <= baseline - 5 %', { bound: offset(-5, 'percent'), spans: { value: { start: 13, end: 27 } } }],
    ['host throughput >= 90 % of host', { bound: rel(90, network('host')), spans: { value: { start: 19, end: 23 }, reference: { start: 27, end: 31 } } }],
    ['host rtt.p99 < 2ms', { metric: 'rtt', stat: 'p99', step: undefined, bound: abs(2, 'ms') }],
    ['host rtt < baseline + 0.5ms', { metric: 'rtt', step: undefined, bound: offset(0.5, 'ms') }],
    ['host max >= 400M', { metric: 'max', step: 'udp', bound: abs(400e6, 'bps') }],
    ['calico tcp cpu.node < 40%', { metric: 'cpu.node', step: 'tcp', stat: 'median', bound: abs(40, 'percent') }],
    ['calico CPU.Node.p95 <= baseline + 5%', { metric: 'cpu.node', stat: 'p95', bound: offset(5, 'percent') }],
    ['calico tcp cpu.node.perGbps <= 150% of host', { metric: 'cpu.node.perGbps', step: 'tcp', bound: rel(150, network('host')) }],
    ['calico at 100M cpu.node.pergbps.max < 0.5', { metric: 'cpu.node.perGbps', stat: 'max', step: 'udp', bitrateBps: 100e6, bound: abs(0.5, 'count') }],
    ['calico cpu.node.perGbps <= 120% of baseline', { metric: 'cpu.node.perGbps', bound: rel(120, { kind: 'baseline' }) }],
    ['host udp max >= 90% of host', { metric: 'max', step: 'udp', bound: rel(90, network('host')) }],
    ['host loss.network.p95 < 1%', { metric: 'loss.network', stat: 'p95', step: 'udp', spans: { metric: { start: 5, end: 21 } } }],
    ['host LOSS.Receiver < 1%', { metric: 'loss.receiver', stat: 'median', step: 'udp' }],
  ]

  it.each(cases)('%s', (text, expected) => {
    const parsed = parseExpectation(text)
    const { step, ...rest } = expected
    expect(parsed).toMatchObject({ text: text.trim(), ...rest })
    // `step: undefined` in a case means "no step written or implied".
    if ('step' in expected) expect(parsed.step).toBe(step)
  })
})

describe('parseExpectation: errors point at the offending token', () => {
  // [text, carets under it, message substring, hint substring]
  const cases: [string, string, string, string][] = [
    ['', '^', 'empty expectation', 'write e.g.'],
    ['host thruput > 1M', '     ^^^^^^^', "unknown metric 'thruput'", "did you mean 'throughput'? use one of throughput, loss, loss.network, loss.receiver, jitter, retransmits, cpu, cpu.node, cpu.node.perGbps, max, rtt"],
    ['host foo > 1M', '     ^^^', "unknown metric 'foo'", 'use one of throughput'],
    ['host bandwidth.p95 > 1M', '     ^^^^^^^^^', "unknown metric 'bandwidth'", "did you mean 'throughput'?"],
    ['host throughput >= 10Q', '                   ^^^', "'10Q' is not a bitrate", 'write a number with K, M or G, e.g. 10M'],
    ['host at 10Q throughput >= 1M', '        ^^^', "'10Q' is not a bitrate", 'K, M or G'],
    ['host throughput >= 900', '                   ^^^', "'900' has no unit", 'e.g. 900M'],
    ['host throughput 900M', '                ^^^^', "missing operator before '900M'", "'throughput >= 900M'"],
    ['host throughput', '               ^', "missing operator after 'throughput'", 'add <, <=, > or >='],
    ['host loss <', '           ^', "missing value after '<'", "'loss < 5%'"],
    ['host loss < 5% foo', '               ^^^', "unexpected 'foo' after the value", 'each expectation on its own line'],
    ['host jitter.p98 < 1ms', '            ^^^', "unknown stat 'p98'", "did you mean 'p90'? use one of median"],
    ['host throughput.avg > 1M', '                ^^^', "unknown stat 'avg'", "did you mean 'mean'?"],
    ['host jitter. < 1ms', '           ^', "missing stat after 'jitter.'", 'use one of median'],
    ['host jitter .p95 < 1ms', '            ^^^^', "'.p95' must be attached to the metric", "write 'jitter.p95'"],
    ['host loss < %', '            ^', "'%' needs a number before it", 'e.g.'],
    ['host throughput >= 90% of', '                         ^', "missing reference after 'of'", "'of offered', 'of baseline' or 'of <network>'"],
    ['host throughput >= of baseline', '                   ^^', "missing percentage before 'of'", '90% of baseline'],
    ['host throughput >= 90 of baseline', '                   ^^', "'90' is not a percentage", "write '90% of …'"],
    ['host loss < -5%', '            ^^^', "negative value '-5%'", 'never negative'],
    ['host at 1M at 2M loss < 5%', '           ^^', "duplicate 'at'", 'one offered rate'],
    ['host tcp udp throughput > 1M', '         ^^^', "both 'tcp' and 'udp' given", 'name one step'],
    ['host zones nodes throughput > 1M', '           ^^^^^', "both 'zones' and 'nodes' given", 'name one topology'],
    ['weave at 100M tcp throughput >= 1M', '              ^^^', "'at' names a UDP offered rate; tcp has none", "drop 'tcp'"],
    ['host tcp throughput >= 90% of offered', '                              ^^^^^^^', 'tcp has no offered rate', 'baseline'],
    ['host loss < 5% of baseline', '               ^^^^^^^^^^^', 'loss bounds are absolute', "'loss < 5%'"],
    ['host cpu < 10% of baseline', '               ^^^^^^^^^^^', 'cpu bounds are absolute', "'cpu < 90%'"],
    ['host cpu.nodes < 40%', '     ^^^^^^^^^', "unknown metric 'cpu.nodes'", "did you mean 'cpu.node'?"],
    ['host cpu.node.pergbit < 1', '     ^^^^^^^^^^^^^^^^', "unknown metric 'cpu.node.pergbit'", "did you mean 'cpu.node.perGbps'?"],
    ['host nodecpu < 40%', '     ^^^^^^^', "unknown metric 'nodecpu'", "did you mean 'cpu.node'?"],
    ['host cpu.node < 140%', '                ^^^^', "'140%' is more than 100%", "share of all the node's CPUs"],
    ['host cpu.node < 0.4', '                ^^^', "'0.4' is not a percentage", "write '0.4%'"],
    ['host cpu.node.perGbps < 1G', '                        ^^', "'1G' is not a number", 'CPU-seconds per Gbit/s'],
    ['host cpu.node.perGbps < 90% of offered', '                               ^^^^^^^', 'cpu.node.perGbps is not a rate', 'of host'],
    ['host udp retransmits < 100', '     ^^^', 'retransmits is a TCP metric', 'write tcp or leave the step out'],
    ['host at 100M retransmits < 100', '     ^^^^^^^', 'no offered rate', "drop 'at 100M'"],
    ['host tcp jitter < 1ms', '     ^^^', 'jitter is a UDP metric; tcp has none', 'write udp'],
    ['host tcp loss < 1%', '     ^^^', 'loss is a UDP metric', 'write udp'],
    ['host jitter < 5%', '              ^^', "'5%' is not a time", 'e.g. 1ms or 250us'],
    ['host jitter < 1', '              ^', "'1' has no unit", '1ms'],
    ['host loss < 5M', '            ^^', "'5M' is not a percentage", "'loss < 5%'"],
    ['host loss < 5', '            ^', "'5' is not a percentage", "write '5%'"],
    ['host loss < 150%', '            ^^^^', "'150%' is more than 100%", 'between 0% and 100%'],
    ['host retransmits < 5%', '                   ^^', "'5%' is not a count", 'retransmits < 100'],
    ['host throughput >= 90%', '                   ^^^', "'90%' needs a reference", "'90% of baseline'"],
    ['host throughput = 1M', '                ^', "unknown operator '='", 'use <, <=, > or >='],
    ['host throughput => 1M', '                ^^', "unknown operator '=>'", "did you mean '>='?"],
    ['host loss < < 5%', '            ^', "expected a value after '<', found '<'", 'e.g.'],
    ['Weave loss < 5%', '^^^^^', "network names are lowercase: 'Weave'", "write 'weave'"],
    ['throughput >= 1M', '^^^^^^^^^^', "'throughput' is not a network name or 'all'", "'all throughput >= 1M'"],
    ['host throughput >= 90% of Host', '                          ^^^^', 'network names are lowercase', "write 'host'"],
    ['host throughput >= 90% of tcp', '                          ^^^', "'tcp' is not a reference", "'of offered'"],
    ['host', '    ^', "missing metric after 'host'", 'name a metric'],
    ['host at', '       ^', "missing bitrate after 'at'", "'at 100M'"],
    ['host >= 1M', '     ^^', "missing metric before '>='", 'name a metric'],
    ['host 100M loss < 5%', '     ^^^^', "'100M' looks like an offered rate", "write 'at 100M'"],
    ['host zone loss < 1%', '     ^^^^', "unknown topology 'zone'", "did you mean 'zones'?"],
    ['host udpp loss < 1%', '     ^^^^', "unknown step 'udpp'", "did you mean 'udp'?"],
    ['host loss at 100M < 5%', '          ^^', "'at' must come before the metric", 'weave at 100M'],
    ['host loss < 5% and host jitter < 1ms', '               ^^^', "unexpected 'and' after the value", 'own line'],
    ['host loss <= baseline + 5M', '                        ^^', "'5M' is not a percentage", 'loss is a percentage'],
    ['host loss <= baseline +', '                       ^', "missing offset after '+'", "'baseline + 0.5%'"],
    ['host throughput >= baseline + 5%', '                              ^^', "'5%' is not a rate", "'baseline - 50M'"],
    ['host jitter < baseline + 1', '                         ^', "'1' has no unit", '1ms'],
    ['host loss < baseline*2', '                    ^^', "unexpected '*2' after 'baseline'", "'baseline + 0.5%'"],
    ['host loss <= baseline * 2', '                      ^', "unexpected '*' after the value", 'own line'],
  ]

  it.each(cases)('%j', (text, carets, message, hint) => {
    let error: unknown
    try {
      parseExpectation(text)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ExpectationParseError)
    const e = error as ExpectationParseError
    expect(e.message).toContain(message)
    expect(e.hint).toContain(hint)
    expect(e.text).toBe(text.trim())
    expect(caretLine(e.text, e.span)).toBe(`  ${text}\n  ${carets}`)
  })

  it('is a NetbenchError with an input exit code and the caret line as detail', () => {
    const e = (() => { try { parseExpectation('host loss < 5Q') } catch (caught) { return caught } })() as ExpectationParseError
    expect(e).toBeInstanceOf(NetbenchError)
    expect(e.code).toBe('EXPECTATION_SYNTAX')
    expect(e.exitCode).toBe(2)
    expect(e.detail).toBe('  host loss < 5Q\n              ^^')
  })

  it('points just past the end of the text for missing tokens', () => {
    expect(() => parseExpectation('host loss <')).toThrow(expect.objectContaining({ span: { start: 11, end: 12 } }))
  })
})

describe('parseExpectation: the whole parsed form', () => {
  // toEqual, not toMatchObject: which keys are present is part of the shape callers read.
  it('of a qualified expectation with a stat', () => {
    expect(parseExpectation('flannel at 1G udp zones jitter.p95 <= 2ms')).toEqual({
      text: 'flannel at 1G udp zones jitter.p95 <= 2ms', subject: network('flannel'), bitrateBps: 1e9, step: 'udp', topology: 'zones',
      metric: 'jitter', stat: 'p95', comparator: '<=', bound: abs(2, 'ms'),
      spans: { subject: { start: 0, end: 7 }, bitrate: { start: 11, end: 13 }, step: { start: 14, end: 17 }, topology: { start: 18, end: 23 }, metric: { start: 24, end: 34 }, value: { start: 38, end: 41 } },
    })
  })

  it('of a relative and an offset bound', () => {
    expect(parseExpectation('host udp max >= 90% of offered')).toEqual({
      text: 'host udp max >= 90% of offered', subject: network('host'), step: 'udp', metric: 'max', stat: 'median', comparator: '>=', bound: rel(90, { kind: 'offered' }),
      spans: { subject: { start: 0, end: 4 }, step: { start: 5, end: 8 }, metric: { start: 9, end: 12 }, value: { start: 16, end: 19 }, reference: { start: 23, end: 30 } },
    })
    expect(parseExpectation('all throughput >= baseline - 50M')).toEqual({
      text: 'all throughput >= baseline - 50M', subject: { kind: 'all' }, metric: 'throughput', stat: 'median', comparator: '>=', bound: offset(-50e6, 'bps'),
      spans: { subject: { start: 0, end: 3 }, metric: { start: 4, end: 14 }, value: { start: 18, end: 32 }, reference: { start: 18, end: 26 } },
    })
  })

  it('of a policy expectation (placeholder comparator and bound)', () => {
    expect(parseExpectation('calico policy enforced')).toEqual({
      text: 'calico policy enforced', subject: network('calico'), metric: 'policy', stat: 'median', comparator: '>=', bound: abs(1, 'count'), policy: 'enforced',
      spans: { subject: { start: 0, end: 6 }, metric: { start: 7, end: 13 }, value: { start: 14, end: 22 } },
    })
  })
})

describe('parseExpectation: every other error message, word for word', () => {
  // [text, carets, message, hint]: the error paths the table above checks only in part, or not at all.
  const cases: [string, string, string, string][] = [
    ['host udp udp loss < 1%', '         ^^^', "duplicate 'udp'", 'name one step: udp or tcp'],
    ['calico via service tcp via pod throughput > 1M', '                       ^^^', "duplicate 'via'", 'name one path; write a separate expectation for each path'],
    ['calico via clusterip throughput > 1M', '           ^^^^^^^^^', "unknown path 'clusterip'", "did you mean 'service'? use one of pod, service, nodeport, hairpin"],
    ['calico via throughput > 1M', '           ^^^^^^^^^^', "unknown path 'throughput'", 'use one of pod, service, nodeport, hairpin'],
    ['calico vio service throughput > 1M', '       ^^^', "unknown word 'vio'", "did you mean 'via'?"],
    ['calico tcp throughput > 90% of host via nodeprot', '                                        ^^^^^^^^', "unknown path 'nodeprot'", "did you mean 'nodeport'? use one of pod, service, nodeport, hairpin"],
    ['calico via service setup-time < 5s', '       ^^^^^^^^^^^', 'setup-time is measured once per network, not per step, rate or placement', "drop 'via service'"],
    ['host zones zones loss < 1%', '           ^^^^^', "duplicate 'zones'", 'name one topology: same-node, nodes or zones'],
    ['host a 100M loss < 5%', '     ^', "unknown word 'a'", "did you mean 'at'?"],
    ['host 1.5 loss < 1%', '     ^', "unknown metric '1'", 'use one of throughput, loss, loss.network, loss.receiver, jitter, retransmits, cpu, cpu.node, cpu.node.perGbps, max, rtt, tps, fairness, setup-time'],
    ['host udp policy enforced', '         ^^^^^^', "unknown metric 'policy'", 'use one of throughput, loss, loss.network, loss.receiver, jitter, retransmits, cpu, cpu.node, cpu.node.perGbps, max, rtt, tps, fairness, setup-time'],
    ['all', '   ^', "missing metric after 'all'", 'name a metric: throughput, loss, loss.network, loss.receiver, jitter, retransmits, cpu, cpu.node, cpu.node.perGbps, max, rtt, tps, fairness, setup-time'],
    ['host loss.network. < 1%', '                 ^', "missing stat after 'loss.network.'", 'use one of median, mean, min, max, p50, p90, p95, p99, p99.9'],
    ['host loss.foo < 1%', '          ^^^', "unknown stat 'foo'", 'use one of median, mean, min, max, p50, p90, p95, p99, p99.9'],
    ['calico zones setup-time < 5s', '       ^^^^^', 'setup-time is measured once per network, not per step, rate or placement', "drop 'zones'"],
    ['calico setup-time.p95 < 5s', '                 ^^^^', 'setup-time has one value per network, so no statistic', "write 'setup-time < 5s'"],
    ['calico setup-time < baseline + 1s', '                    ^^^^^^^^', 'setup-time is compared with a time, not a baseline', "write e.g. 'setup-time < 5s'"],
    ['host tcp max >= 1M', '     ^^^', 'max is a UDP metric; tcp has none', 'write udp or leave the step out'],
    ['host at 100M max >= 400M', '     ^^^^^^^', 'max is the rate a search found, not a measurement at one offered rate', "drop 'at 100M'"],
    ['host tcp rtt < 2ms', '     ^^^', 'rtt is measured by the latency step, not by udp or tcp', "drop 'tcp'"],
    ['host at 1M rtt < 2ms', '     ^^^^^', 'rtt is measured by the latency step, not by udp or tcp', "drop 'at 1M'"],
    ['host at 100M retransmits < 100', '     ^^^^^^^', 'retransmits are counted over TCP, which has no offered rate', "drop 'at 100M'"],
    ['host at 5M tcp loss < 1%', '           ^^^', 'loss is a UDP metric; tcp has none', 'write udp or leave the step out'],
    ['weave at 100M tcp throughput >= 1M', '              ^^^', "'at' names a UDP offered rate; tcp has none", "drop 'tcp' to measure UDP at 100M, or drop 'at 100M' to measure TCP"],
    ['host at 2T loss < 5%', '        ^^', "'2T' is above 1T (10^12 bit/s)", 'write a rate up to 1T, e.g. 10G'],
    ['host at 1e+26G loss < 5%', '        ^^^^^^', "'1e+26G' is not a bitrate", 'write a number with K, M or G, e.g. 10M'],
    ['host at 1M loss', '               ^', "missing operator after 'loss'", "add <, <=, > or >= and a value, e.g. 'loss < 5%'"],
    ['host throughput = 1M', '                ^', "unknown operator '='", 'use <, <=, > or >=; a measurement is never compared for equality'],
    ['host throughput ≥ 1M', '                ^', "unknown operator '≥'", "did you mean '>='?"],
    ['host throughput =< 1M', '                ^^', "unknown operator '=<'", "did you mean '<='?"],
    ['host throughput >= 5M of baseline', '                   ^^', "'5M' is not a percentage", "a relative bound is a percentage, e.g. '90% of baseline'"],
    ['host loss < 5 % of baseline', '                ^^^^^^^^^^^', 'loss bounds are absolute, not relative to a reference', "drop 'of …' and write e.g. 'loss < 5%'"],
    ['host throughput >= 90% of calico.', '                          ^^^^^^^', "'calico.' is not a reference", "write 'of offered', 'of baseline' or 'of <network>'"],
    ['host udp max >= 90%', '                ^^^', "'90%' needs a reference", "a rate percentage is relative: write e.g. '90% of baseline' or '90% of host'"],
    ['host throughput >= baseline*2', '                           ^^', "unexpected '*2' after 'baseline'", "write 'baseline + 50M' or '95% of baseline'"],
    ['host loss < baseline+', '                     ^', "missing offset after 'baseline+'", "write e.g. 'baseline + 0.5%'"],
    ['host loss < baseline + %', '                       ^', "'%' is not a percentage", "loss is a percentage, e.g. 'loss < 5%'"],
    ['host loss <= baselines', '             ^^^^^^^^^', "'baselines' is not a percentage", "loss is a percentage, e.g. 'loss < 5%'"],
    ['calico policy', '             ^', "missing policy verdict after 'policy'", "write 'policy enforced' or 'policy unsupported'"],
    ['calico policy enforcd', '              ^^^^^^^', "'enforcd' is not a policy verdict", "did you mean 'enforced'? write 'policy enforced' or 'policy unsupported'"],
    ['calico policy enforced now', '                       ^^^', "unexpected 'now' after 'enforced'", 'a policy expectation ends with its verdict'],
    [`host ${'x'.repeat(60)} loss < 1%`, `     ${'^'.repeat(40)}`, `unknown metric '${'x'.repeat(40)}… (20 more characters)'`, 'use one of throughput, loss, loss.network, loss.receiver, jitter, retransmits, cpu, cpu.node, cpu.node.perGbps, max, rtt, tps, fairness, setup-time'],
  ]

  it.each(cases)('%j', (text, carets, message, hint) => {
    const error = (() => { try { parseExpectation(text) } catch (caught) { return caught } })() as ExpectationParseError
    expect(error).toBeInstanceOf(ExpectationParseError)
    expect([error.message, error.hint, caretLine(error.text, error.span)]).toEqual([message, hint, `  ${text}\n  ${carets}`])
  })
})

describe('caretLine', () => {
  it.each([
    [{ start: 0, end: 4 }, '  host loss\n  ^^^^'],
    [{ start: 5, end: 5 }, '  host loss\n       ^'],
    [{ start: 9, end: 10 }, '  host loss\n           ^'],
    [{ start: 3, end: 99 }, '  host loss\n     ^^^^^^^'], // clamped to one past the end
  ])('%j', (span, expected) => {
    expect(caretLine('host loss', span)).toBe(expected)
  })
})

describe('describeExpectation', () => {
  it.each([
    ['weave at 100M loss < 5%', 'loss < 5%'],
    ['calico tcp throughput >= 90% of host', 'throughput >= 90% of host'],
    ['host udp jitter.p95 <= 1ms', 'jitter.p95 <= 1ms'],
    ['host jitter < 250us', 'jitter < 250µs'],
    ['flannel at 1G throughput.median >= 400Mbit', 'throughput >= 400M'],
    ['all at 1M throughput >= 99% of offered', 'throughput >= 99% of offered'],
    ['host tcp retransmits < 100', 'retransmits < 100'],
    ['host cpu.max < 90%', 'cpu.max < 90%'],
    ['all at 100M loss <= baseline + 0.5%', 'loss <= baseline + 0.5%'],
    ['flannel tcp throughput >= baseline - 50M', 'throughput >= baseline - 50M'],
    ['host tcp retransmits <= baseline', 'retransmits <= baseline'],
    ['flannel tcp throughput >= 95% of baseline', 'throughput >= 95% of baseline'],
  ])('%s → %s', (text, label) => {
    expect(describeExpectation(parseExpectation(text))).toBe(label)
  })
})
