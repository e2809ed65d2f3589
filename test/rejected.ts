import { isNetbenchError, type NetbenchError } from '../src/errors.ts'

/** The NetbenchError `attempt` fails with; any other outcome fails the test. */
export async function rejected(attempt: () => Promise<unknown>): Promise<NetbenchError> {
  try {
    await attempt()
  } catch (error) {
    if (!isNetbenchError(error)) throw error
    return error
  }
  throw new Error('expected the input to be rejected')
}
