// Page HTML shown inside another page (the hand-off record shows each wiki page under its own
// heading): the page's headings move below that heading, so the document's outline does not skip
// levels (axe "heading-order"). Pure: the server renders the same markup the browser hydrates.

/**
 * Serialized page HTML (server/wiki/render.ts: text escaped, so a "<" outside a tag only occurs
 * inside a quoted attribute value) read as a sequence of text runs and tags. Any other shape is
 * not ours to rewrite: `null`.
 */
const TOKEN = /([^<]+)|<(\/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s"'>/=]+(?:="[^"]*")?)*)\s*(\/?)>/y;

/**
 * `html` with every heading `<hN>` turned into `<h(N+parentLevel)>` (at most h6), keeping its
 * original level as `data-level` for styling. A heading level the page nests under: 4 for page
 * content under an `<h4>` page title (h1 → h5, h2 and below → h6). Returns `html` unchanged
 * when it is not serializer output.
 */
export function nestHeadings(html: string, parentLevel: number): string {
  let out = "";
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < html.length) {
    const match = TOKEN.exec(html);
    if (!match) return html;
    const [all, text, closing, name, attributes = "", selfClosing] = match;
    if (text !== undefined) {
      out += text;
      continue;
    }
    const heading = /^h([1-6])$/i.exec(name!);
    if (!heading) {
      out += all;
      continue;
    }
    const level = Number(heading[1]);
    const nested = Math.min(6, level + parentLevel);
    out += closing ? `</h${nested}>` : `<h${nested} data-level="${level}"${attributes}${selfClosing ? " /" : ""}>`;
  }
  return out;
}
