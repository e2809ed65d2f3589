// Characters XML 1.0 cannot carry at all (C0 controls other than tab and newlines, lone
// surrogates, U+FFFE/U+FFFF): dropped, or the whole file would be unreadable to CI servers.
// eslint-disable-next-line no-control-regex
const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** Text content of an element. */
export function xmlText(value: string): string {
  return value.replace(INVALID, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** An attribute value in double quotes; line breaks are kept as character references. */
export function xmlAttribute(value: string | number): string {
  return xmlText(String(value)).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;')
}

/** `<name a="1" b="2">`: attributes in the order given, undefined ones left out. */
export function openTag(name: string, attributes: Record<string, string | number | undefined>, selfClose = false): string {
  const text = Object.entries(attributes).filter(([, value]) => value !== undefined).map(([key, value]) => ` ${key}="${xmlAttribute(value!)}"`).join('')
  return `<${name}${text}${selfClose ? '/>' : '>'}`
}
