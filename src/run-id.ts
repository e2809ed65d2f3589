import { randomBytes } from 'node:crypto'

/**
 * A run's id: 4 characters of [a-z0-9]. Every object a run makes carries it (lab namespaces and
 * links as `nb` + id, kube namespaces, k3s containers), so cleanup finds a run's objects and two runs
 * never collide; it is this short because lab interface names must fit in 15 characters.
 */
export function newRunId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  return Array.from(randomBytes(4), (byte) => alphabet[byte % alphabet.length]).join('')
}
