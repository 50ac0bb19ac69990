// Test helpers over the block renderer (app/storefront/block-renderer.server.ts, shared with the
// demo's storefront emulator): render a block, then read its markup.
export {
  ASSET_CDN,
  createTranslator,
  loadTranslations,
  localeFiles,
  readBlockSchema,
  renderBlock,
  type BlockSchema,
  type BlockSchemaSetting,
  type RenderBlockOptions,
  type RenderedBlock,
} from "../../app/storefront/block-renderer.server";

export interface StartTag {
  name: string;
  attributes: Record<string, string>;
  /** Offset of the tag in the HTML, to read the text that follows it. */
  index: number;
}

/**
 * Lists the start tags of rendered HTML. No DOM library is a project dependency, and our
 * blocks emit well-formed, double-quoted attributes, so a tokenizer for start tags is
 * enough for assertions; it is not a general HTML parser.
 */
export function startTags(html: string): StartTag[] {
  const tags: StartTag[] = [];
  const tagPattern = /<([a-zA-Z][\w-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*\/?>/g;
  const attributePattern = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
  for (const match of html.matchAll(tagPattern)) {
    const attributes: Record<string, string> = {};
    for (const attribute of (match[2] ?? "").matchAll(attributePattern)) {
      attributes[attribute[1]!.toLowerCase()] = attribute[2] ?? attribute[3] ?? attribute[4] ?? "";
    }
    tags.push({ name: match[1]!.toLowerCase(), attributes, index: match.index });
  }
  return tags;
}

/** Text inside an element, up to its first closing tag of the same name (so no same-name nesting). */
export function elementText(html: string, tag: StartTag): string {
  const open = html.indexOf(">", tag.index) + 1;
  const close = html.indexOf(`</${tag.name}`, open);
  return html
    .slice(open, close === -1 ? undefined : close)
    .replace(/<[^>]*>/g, "")
    .replace(/\s+/g, " ")
    .trim();
}
