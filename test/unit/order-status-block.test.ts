// Renders the order-status app block the way a storefront would and checks the markup the
// block script and assistive technology rely on, in every storefront locale we ship.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  ASSET_CDN,
  createTranslator,
  elementText,
  renderBlock,
  startTags,
  type StartTag,
} from "../support/render-block";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const extensionDir = path.join(root, "extensions", "order-status");
const LOCALES = ["en", "fr"] as const;

const find = (tags: StartTag[], predicate: (tag: StartTag) => boolean): StartTag => {
  const tag = tags.find(predicate);
  if (!tag) throw new Error("expected element not rendered");
  return tag;
};

const render = (options: Partial<Parameters<typeof renderBlock>[0]> = {}) =>
  renderBlock({ extensionDir, block: "order-status", ...options });

describe.each(LOCALES)("order-status block (%s)", (locale) => {
  const t = createTranslator(extensionDir, locale);

  it("renders a lookup form with labelled, required order and contact fields", async () => {
    const { html } = await render({ locale });
    const tags = startTags(html);

    const form = find(tags, (tag) => tag.name === "form");
    // The script sends the lookup; without it the form must not land a shopper on raw JSON.
    expect(form.attributes).not.toHaveProperty("action");
    expect(form.attributes).toHaveProperty("data-order-status-form");

    for (const [name, labelKey, hintKey] of [
      ["order", "order_status.form.order_label", "order_status.form.order_hint"],
      ["contact", "order_status.form.contact_label", "order_status.form.contact_hint"],
    ] as const) {
      const input = find(tags, (tag) => tag.name === "input" && tag.attributes.name === name);
      expect(input.attributes, `${name} input`).toHaveProperty("required");
      const label = find(tags, (tag) => tag.name === "label" && tag.attributes.for === input.attributes.id);
      expect(elementText(html, label)).toBe(t(labelKey));
      const hint = find(tags, (tag) => tag.attributes.id === input.attributes["aria-describedby"]);
      expect(elementText(html, hint)).toBe(t(hintKey));
    }
    // Email or phone: a type="email" field would refuse a phone number.
    const contact = find(tags, (tag) => tag.attributes.name === "contact");
    expect(contact.attributes).toMatchObject({ type: "text", autocomplete: "email", inputmode: "email" });

    const submit = find(tags, (tag) => tag.name === "button");
    expect(submit.attributes.type).toBe("submit");
    expect(elementText(html, submit)).toBe(t("order_status.form.submit"));
  });

  it("has a polite status region for messages and the proxy endpoint for the script", async () => {
    const { html } = await render({ locale });
    const tags = startTags(html);
    const rootTag = find(tags, (tag) => "data-order-status" in tag.attributes);
    expect(rootTag.attributes["data-endpoint"]).toBe("/apps/order-status/lookup");
    const live = find(tags, (tag) => "aria-live" in tag.attributes);
    expect(live.attributes).toMatchObject({ "aria-live": "polite", role: "status" });
    expect(live.attributes).toHaveProperty("data-order-status-message");
    // Results sit outside the live region: a whole order read aloud on every change is noise.
    const result = find(tags, (tag) => "data-order-status-result" in tag.attributes);
    expect(result.attributes).not.toHaveProperty("aria-live");
  });

  it("tells shoppers without JavaScript where else to look", async () => {
    const { html } = await render({ locale });
    expect(/<noscript>([\s\S]*?)<\/noscript>/.exec(html)?.[1]).toContain(t("order_status.messages.no_script"));
  });

  it("uses the translated heading and intro until the merchant sets their own", async () => {
    const { html, settings } = await render({ locale });
    expect(settings.heading).toBeUndefined();
    const tags = startTags(html);
    expect(elementText(html, find(tags, (tag) => tag.name === "h2"))).toBe(t("order_status.heading"));
    expect(html).toContain(t("order_status.intro"));
  });

  it("renders the merchant's heading (escaped) and rich-text intro", async () => {
    const { html } = await render({
      locale,
      settings: { heading: "Where is my <parcel>?", intro: "<p>Need help? <strong>Ask us</strong>.</p>" },
    });
    expect(elementText(html, find(startTags(html), (tag) => tag.name === "h2"))).toBe("Where is my &lt;parcel&gt;?");
    expect(html).toContain("<p>Need help? <strong>Ask us</strong>.</p>");
    expect(html).not.toContain(t("order_status.intro"));
  });

  it("loads its script deferred from the extension assets", async () => {
    const { html, schema } = await render({ locale });
    const script = find(startTags(html), (tag) => tag.name === "script" && "src" in tag.attributes);
    expect(script.attributes.src).toBe(`${ASSET_CDN}/order-status/assets/order-status.js`);
    expect(script.attributes).toHaveProperty("defer");
    expect(schema.stylesheet).toBe("order-status.css");
    expect(schema.target).toBe("section");
  });

  it("hands the script its strings as JSON in the storefront language", async () => {
    const { html } = await render({ locale });
    const match = /<script type="application\/json" data-order-status-i18n>([\s\S]*?)<\/script>/.exec(html);
    const i18n = JSON.parse(match?.[1] ?? "null") as Record<string, Record<string, string>>;
    expect(i18n.messages?.not_found).toBe(t("order_status.messages.not_found"));
    expect(i18n.messages?.error).toBe(t("order_status.messages.error"));
    expect(Object.keys(i18n.status ?? {})).toHaveLength(11);
    expect(Object.keys(i18n.shipmentStatus ?? {})).toHaveLength(9);
    expect(Object.keys(i18n.attention ?? {})).toHaveLength(5);
    // Every key the script asks for exists, so no raw key ever reaches a shopper.
    const script = readFileSync(path.join(extensionDir, "assets", "order-status.js"), "utf8");
    const used = new Set([...script.matchAll(/\bt\('(\w+)'/g)].map((m) => m[1]));
    expect(used.size).toBeGreaterThan(15);
    for (const key of used) expect(i18n.messages, key).toHaveProperty(key, t(`order_status.messages.${key}`));
  });

  it.each([true, false])("passes show_items=%s to the script", async (showItems) => {
    const { html } = await render({ locale, settings: { show_items: showItems } });
    const rootTag = find(startTags(html), (tag) => "data-order-status" in tag.attributes);
    expect(rootTag.attributes["data-show-items"]).toBe(String(showItems));
  });
});

describe("order-status block settings", () => {
  it("defaults to showing items, hiding the map, and the default accent", async () => {
    const { html, settings } = await render();
    expect(settings).toMatchObject({ show_items: true, show_map: false, accent_color: "#005bd3" });
    const rootTag = find(startTags(html), (tag) => "data-order-status" in tag.attributes);
    expect(rootTag.attributes["data-show-map"]).toBe("false");
    expect(rootTag.attributes.style).toContain("--order-status-accent: #005bd3");
  });

  it("applies the accent color and map setting", async () => {
    const { html } = await render({ settings: { accent_color: "#aa0000", show_map: true } });
    const rootTag = find(startTags(html), (tag) => "data-order-status" in tag.attributes);
    expect(rootTag.attributes.style).toContain("--order-status-accent: #aa0000");
    expect(rootTag.attributes["data-show-map"]).toBe("true");
  });

  it("prefills a signed-in customer's email, escaped, and asks the script for their recent orders", async () => {
    const { html } = await render({ globals: { customer: { email: 'a"b@example.com' } } });
    const tags = startTags(html);
    const contact = find(tags, (tag) => tag.attributes.name === "contact");
    // Shopify writes &quot;, liquidjs &#34;: either keeps the attribute intact.
    expect(contact.attributes.value).toMatch(/^a&(quot|#34);b@example\.com$/);
    expect(find(tags, (tag) => "data-order-status" in tag.attributes).attributes["data-signed-in"]).toBe("true");
  });

  it("leaves the contact empty for guests and fetches nothing on load", async () => {
    const { html } = await render();
    const tags = startTags(html);
    expect(find(tags, (tag) => tag.attributes.name === "contact").attributes).not.toHaveProperty("value");
    expect(find(tags, (tag) => "data-order-status" in tag.attributes).attributes["data-signed-in"]).toBe("false");
  });

  it("exposes the editor attributes in the theme editor", async () => {
    const { html } = await render({ designMode: true });
    expect(find(startTags(html), (tag) => "data-order-status" in tag.attributes).attributes).toHaveProperty(
      "data-shopify-editor-block",
    );
  });

  it("does not leak the schema into the page", async () => {
    const { html } = await render();
    expect(html).not.toContain('"settings"');
    expect(html).not.toContain("schema");
  });

  it("rejects settings the block does not declare", async () => {
    await expect(render({ settings: { not_a_setting: 1 } })).rejects.toThrow(/no setting "not_a_setting"/);
  });
});

describe("order-status locales", () => {
  const keys = (value: unknown, prefix = ""): string[] =>
    value !== null && typeof value === "object"
      ? Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k))
      : [prefix];
  const read = (file: string) => JSON.parse(readFileSync(path.join(extensionDir, "locales", file), "utf8"));

  it.each([
    ["fr.json", "en.default.json"],
    ["fr.schema.json", "en.default.schema.json"],
  ])("%s translates every key of %s and nothing else", (translated, source) => {
    expect(keys(read(translated)).sort()).toEqual(keys(read(source)).sort());
  });
});
