// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g

export function visibleWidth(text: string): number {
  return [...text.replace(ANSI, '')].length
}

/** Left-aligns the first and last (notes) columns and right-aligns the figures between them. */
export function renderTable(rows: readonly string[][], indent = '  '): string {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, index) => { widths[index] = Math.max(widths[index] ?? 0, visibleWidth(cell)) })
  return rows.map((row) => indent + row.map((cell, index) => {
    const pad = ' '.repeat(widths[index]! - visibleWidth(cell))
    return index === 0 || index === row.length - 1 ? cell + pad : pad + cell
  }).join('  ').trimEnd()).join('\n')
}
