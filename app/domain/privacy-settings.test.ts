import { describe, expect, it } from "vitest";
import { parsePrivacySettings, privacySettingsFromForm } from "./privacy-settings";

const form = (value: string) => ({ get: (name: string) => (name === "rawPayloadRetentionDays" ? value : null) });

describe("privacy settings", () => {
  it("defaults to 90 days of raw payloads, and reads what is in range", () => {
    expect(parsePrivacySettings(undefined)).toEqual({ rawPayloadRetentionDays: 90 });
    expect(parsePrivacySettings({ rawPayloadRetentionDays: 1 })).toEqual({ rawPayloadRetentionDays: 1 });
    expect(parsePrivacySettings({ rawPayloadRetentionDays: 3650 })).toEqual({ rawPayloadRetentionDays: 3650 });
  });

  it("reads anything out of range or not whole as the default", () => {
    for (const bad of [0, 3651, 1.5, -3, "abc", null, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(parsePrivacySettings({ rawPayloadRetentionDays: bad }), String(bad)).toEqual({ rawPayloadRetentionDays: 90 });
    }
  });

  it("a form out of range is an error, not a default", () => {
    expect(privacySettingsFromForm(form(" 30 "))).toEqual({ settings: { rawPayloadRetentionDays: 30 }, error: null });
    for (const bad of ["", "0", "3651", "7.5", "ninety"]) expect(privacySettingsFromForm(form(bad)), bad).toMatchObject({ settings: null, error: expect.stringContaining("1 to 3650") });
  });
});
