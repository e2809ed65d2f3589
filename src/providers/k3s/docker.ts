/**
 * Is there a Docker engine? The k3s provider runs k3s in containers through testcontainers; without
 * an engine it fails before anything else with the reason, so CI logs say what to fix.
 */
import { existsSync } from 'node:fs'
import { NetbenchError } from '../../errors.ts'

export const NO_ENGINE_HINT = 'start Docker (or point DOCKER_HOST at an engine) to use provider: k3s, or use provider: kube with an existing cluster'

/** What this machine looks like to a Docker client, for the message. */
export function engineWhereabouts(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DOCKER_HOST) return `DOCKER_HOST=${env.DOCKER_HOST} does not answer`
  const socket = '/var/run/docker.sock'
  return existsSync(socket) ? `${socket} exists but does not answer` : `DOCKER_HOST is not set and ${socket} does not exist`
}

export function noEngine(reason: string): NetbenchError {
  return new NetbenchError('PROVIDER', `no Docker engine: ${reason}`, { hint: NO_ENGINE_HINT })
}

type RuntimeClient = Awaited<ReturnType<typeof import('testcontainers')['getContainerRuntimeClient']>>

/** The container runtime client, or a `no Docker engine: …` error (exit 3) within `timeoutMs`. */
export async function dockerEngine(timeoutMs = 20_000): Promise<RuntimeClient> {
  const { getContainerRuntimeClient } = await import('testcontainers')
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      getContainerRuntimeClient(),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs) }),
    ])
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error)
    throw noEngine(`${message} (${engineWhereabouts()})`)
  } finally {
    clearTimeout(timer)
  }
}

/** true when an engine answers; the reason otherwise (for tests that skip). */
export async function dockerAvailability(timeoutMs = 10_000): Promise<{ available: true } | { available: false; reason: string }> {
  try {
    await dockerEngine(timeoutMs)
    return { available: true }
  } catch (error) {
    return { available: false, reason: (error as Error).message }
  }
}

/** A pull's error in one line: Docker's is `(HTTP code 500) server error - Get "https://…": …`, multi-line at times. */
function pullReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  const json = /"message"\s*:\s*"([^"]+)"/.exec(message)?.[1]
  return (json ?? message).split('\n')[0]!.replace(/^\(HTTP code \d+\) [\w ]+ - /, '').trim()
}

/**
 * The k3s image must be on the engine before anything is created: pulled when a registry answers,
 * else a one-line exit 3 naming the image and the offline ways in (docker load, docker import).
 */
export async function ensureImage(engine: RuntimeClient, image: string): Promise<void> {
  const docker = engine.container.dockerode
  try {
    await docker.getImage(image).inspect()
    return
  } catch { /* not here: pull it */ }
  try {
    const stream = await docker.pull(image)
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
      const failed = error ?? events.find((event) => event.error)?.error
      if (failed) reject(failed instanceof Error ? failed : new Error(failed))
      else resolve()
    }))
  } catch (error) {
    throw new NetbenchError('PROVIDER', `k3s image ${image} is not on the Docker engine and cannot be pulled (${pullReason(error)})`, {
      hint: `without a registry, load it: \`docker save ${image}\` where a registry answers, then \`docker load -i <file>\` here (or \`docker import --change 'ENTRYPOINT ["/bin/k3s"]' <rootfs.tar> ${image}\`)`,
    })
  }
}
