/**
 * Text from suites, result files and probes reaches a terminal: control characters there would
 * be executed (ESC sequences recolour, OSC retitles, bidi overrides reorder). These make them
 * visible instead, and keep echoed input to a readable size.
 */
import { relative } from 'node:path'

// C0 controls except tab and newline, DEL, C1 controls, and the Unicode bidi overrides/isolates.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

/** `\u001b]0;x\u0007` → `\x1b]0;x\x07`: shown, never executed. Newlines and tabs are kept. */
export function visible(text: string): string {
  return text.replace(CONTROL, (char) => {
    const code = char.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

/** `visible` on one line: newlines too become `\n`. */
export function visibleLine(text: string): string {
  return visible(text.replace(/\r?\n/g, '\\n').replace(/\t/g, ' '))
}

/** Every string inside a JSON-like value made visible (a result file or an event for the terminal). */
export function deepVisible<T>(value: T): T {
  if (typeof value === 'string') return visible(value) as T
  if (Array.isArray(value)) return value.map((item) => deepVisible(item)) as T
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, deepVisible(item)])) as T
  }
  return value
}

/** At most `max` characters of `text`, saying how much was left out. */
export function clip(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`
}

/** Path as users should see it in messages: relative to where they ran netbench. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file)
  return rel.startsWith('..') ? file : rel
}

/** `steps[0].udp.duration`: how a user finds the place in their suite. */
export function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((text, segment) =>
    typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${segment}` : segment, '')
}
