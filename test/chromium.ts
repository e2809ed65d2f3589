import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync']

export interface Browser extends AsyncDisposable {
  page: Page
  /** Console errors, uncaught page errors and dialogs (an `alert` means injected script ran). */
  problems: string[]
  /** Every URL the page requested. */
  requests: string[]
}

/** Debian's Chromium, headless, with a fresh profile that is removed afterwards. */
export async function openChromium(viewport = { width: 1280, height: 1000 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'netbench-chromium-'))
  let context: BrowserContext
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: FLAGS, viewport })
  } catch (error) {
    rmSync(profile, { recursive: true, force: true })
    throw error
  }
  const page = context.pages()[0] ?? await context.newPage()
  const problems: string[] = []
  const requests: string[] = []
  page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`) })
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('dialog', (dialog) => { problems.push(`dialog: ${dialog.message()}`); void dialog.dismiss() })
  page.on('request', (request) => requests.push(request.url()))
  return {
    page, problems, requests,
    async [Symbol.asyncDispose]() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

/** Where report tests leave their HTML and screenshots for a person to look at (gitignored). */
export const ARTIFACTS = join(fileURLToPath(new URL('..', import.meta.url)), '.tmp', 'artifacts')

export function writeArtifact(name: string, content: string): string {
  mkdirSync(ARTIFACTS, { recursive: true })
  const file = join(ARTIFACTS, name)
  writeFileSync(file, content)
  return file
}

/** Opens a file in the browser with the problem and request logs reset; returns its problems. */
export async function loadFile(browser: Browser, file: string): Promise<string[]> {
  browser.problems.length = 0
  browser.requests.length = 0
  await browser.page.goto(pathToFileURL(file).href)
  return [...browser.problems]
}
