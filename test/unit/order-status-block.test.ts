// Renders the order-status app block the way a storefront would and checks the markup the
// block script and assistive technology rely on, in every storefront locale we ship.
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

  it("renders a lookup form with labelled, required order and email fields", async () => {
    const { html } = await render({ locale });
    const tags = startTags(html);

    const form = find(tags, (tag) => tag.name === "form");
    expect(form.attributes.action).toBe("/apps/order-status/lookup");
    expect(form.attributes.method).toBe("get");

    for (const [name, labelKey] of [
      ["order", "order_status.form.order_label"],
      ["email", "order_status.form.email_label"],
    ] as const) {
      const input = find(tags, (tag) => tag.name === "input" && tag.attributes.name === name);
      expect(input.attributes, `${name} input`).toHaveProperty("required");
      const label = find(tags, (tag) => tag.name === "label" && tag.attributes.for === input.attributes.id);
      expect(elementText(html, label)).toBe(t(labelKey));
    }
    expect(find(tags, (tag) => tag.attributes.name === "email").attributes.type).toBe("email");

    const submit = find(tags, (tag) => tag.name === "button");
    expect(submit.attributes.type).toBe("submit");
    expect(elementText(html, submit)).toBe(t("order_status.form.submit"));
  });

  it("has a live region for results and the proxy endpoint for the script", async () => {
    const { html } = await render({ locale });
    const tags = startTags(html);
    const rootTag = find(tags, (tag) => "data-order-status" in tag.attributes);
    expect(rootTag.attributes["data-endpoint"]).toBe("/apps/order-status/lookup");
    const live = find(tags, (tag) => "aria-live" in tag.attributes);
    expect(live.attributes["aria-live"]).toBe("polite");
    expect(live.attributes).toHaveProperty("data-order-status-output");
    expect(tags.some((tag) => "data-order-status-result" in tag.attributes)).toBe(true);
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

  it("prefills a signed-in customer's email, escaped", async () => {
    const { html } = await render({ globals: { customer: { email: 'a"b@example.com' } } });
    const email = find(startTags(html), (tag) => tag.attributes.name === "email");
    // Shopify writes &quot;, liquidjs &#34;: either keeps the attribute intact.
    expect(email.attributes.value).toMatch(/^a&(quot|#34);b@example\.com$/);
  });

  it("leaves the email empty for guests", async () => {
    const { html } = await render();
    expect(find(startTags(html), (tag) => tag.attributes.name === "email").attributes).not.toHaveProperty("value");
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
