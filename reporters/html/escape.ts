/**
 * Escapes text placed inside an element (never an attribute): `&`, `<` and `>` are all that can
 * end text content there. Used for the raw iperf3 JSON, where also escaping every quote (as the
 * template engine does for attribute safety) would add a third to the report's size.
 */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
