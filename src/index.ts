/**
 * netbench's public API: what suite files import. Everything else is internal.
 */
export { defineSuite, udp, tcp, latency, policy } from './suites/define.ts'
export type { SuiteInput as SuiteDefinition, UdpStepInput as UdpStep, TcpStepInput as TcpStep, ClusterInput as ClusterOptions } from './suites/schema.ts'
export { NetbenchError, EXIT } from './errors.ts'
export { defineConfig, type NetbenchConfig } from './config.ts'
export type { RunResult, SuiteResult, PointResult, ExpectationResult } from './results/types.ts'
export type { Metrics } from './results/metrics.ts'
export { test, describe, type LabFixtures } from './imperative/test.ts'
export { expect } from 'vitest'
export type { Lab } from './imperative/lab.ts'
export type { LabOptions } from './suites/lab-setup.ts'
export type { NetbenchMatchers } from './imperative/matchers.ts'
