import { fileURLToPath } from 'node:url'
import { createRunnableDevEnvironment, resolveConfig, type RunnableDevEnvironment } from 'vite'

// Sources run unbuilt under Vitest (.ts) and compiled in the package (.js).
const compiled = !import.meta.url.endsWith('.ts')
const ownIndex = new URL(`../index${compiled ? '.js' : '.ts'}`, import.meta.url)
/**
 * Compiled, `netbench` is this process's own instance, imported natively: Vite's runner leaves a
 * `data:` module to Node, so none of netbench's modules is transformed and evaluated a second
 * time (about a second per command). The sources have no native loader for `.ts` outside Vitest.
 */
const netbenchModule = compiled ? `data:text/javascript,export * from ${JSON.stringify(ownIndex.href)}` : fileURLToPath(ownIndex)

/**
 * Imports users' TypeScript (suites, helpers they import, netbench.config.ts) the way Vitest's
 * workers will run it: through Vite's module runner, always as ESM. Node's own loaders would take
 * a `.ts` file in a CommonJS or type-less project for CommonJS, and netbench is ESM with
 * top-level await, so such projects could not load their suites. `netbench` resolves to this
 * CLI's own copy, as it does in the workers. One environment serves every file of a command.
 */
export class UserModules implements AsyncDisposable {
  private environment: Promise<RunnableDevEnvironment> | undefined

  async import(file: string): Promise<Record<string, unknown>> {
    this.environment ??= UserModules.open()
    return await (await this.environment).runner.import(file) as Record<string, unknown>
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const environment = await this.environment?.catch(() => undefined)
    this.environment = undefined
    await environment?.close()
  }

  private static async open(): Promise<RunnableDevEnvironment> {
    // What Vite's own `runnerImport` sets up, kept open for many files.
    const config = await resolveConfig({
      configFile: false,
      envDir: false,
      logLevel: 'silent',
      cacheDir: process.cwd(),
      resolve: { alias: { netbench: netbenchModule } },
      // Syntax newer than Node 20 (`using`, decorators) is lowered, as Vitest does in the workers.
      oxc: { target: 'node20' },
      environments: {
        inline: {
          consumer: 'server',
          dev: { moduleRunnerTransform: true },
          resolve: { external: true, mainFields: [], conditions: ['node'] },
        },
      },
    }, 'serve')
    const environment = createRunnableDevEnvironment('inline', config, { runnerOptions: { hmr: { logger: false } }, hot: false })
    await environment.init()
    return environment
  }
}
