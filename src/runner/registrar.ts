/**
 * How a suite module reaches the run it is imported into: the worker setup installs a registrar
 * under this key, and `defineSuite` calls it. Outside a run (editor, `netbench list`) there is none.
 */
export interface SuiteRegistrar {
  /** The suite as its module defines it; the worker registers the plan made for that file. */
  register(suite: unknown): void
}

export const REGISTRAR_KEY = Symbol.for('netbench.registrar')
