import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { WismoAction, WismoStage } from "./wismo";
import { WISMO_ACTIONS, WISMO_STAGES } from "./wismo";
import {
  DEFAULT_WINDOW_HOURS,
  MAX_WINDOW_HOURS,
  contradicts,
  latestPerOrderAndIntegration,
  parseBotAnswerSettings,
  staleAnswers,
  windowStart,
  type CurrentAnswer,
  type RecordedAnswer,
} from "./wismo-stale";

function told(overrides: Partial<RecordedAnswer> = {}): RecordedAnswer {
  return {
    orderId: "1",
    orderName: "#1001",
    integration: "Helpdesk bot",
    channel: "api",
    stage: "approved",
    action: "inform",
    reason: "unfulfilled",
    message: "Order #1001 is confirmed and has not shipped yet.",
    orderStatus: "unfulfilled",
    answeredAt: "2026-11-20T10:00:00.000Z",
    ...overrides,
  };
}

function truth(stage: WismoStage, action: WismoAction = "inform"): CurrentAnswer {
  return { stage, action, reason: stage, message: `now ${stage}`, orderStatus: stage };
}

describe("settings", () => {
  it("defaults to a 72 h window and the shop's language unknown", () => {
    expect(parseBotAnswerSettings(undefined)).toEqual({ windowHours: DEFAULT_WINDOW_HOURS, language: null });
    expect(parseBotAnswerSettings("nonsense")).toEqual({ windowHours: 72, language: null });
  });

  it.each([
    [{ windowHours: 24, language: "fr" }, { windowHours: 24, language: "fr" }],
    [{ windowHours: "48", language: "fr-CA" }, { windowHours: 48, language: "fr" }],
    [{ windowHours: 0 }, { windowHours: 72, language: null }],
    [{ windowHours: MAX_WINDOW_HOURS + 1 }, { windowHours: 72, language: null }],
    [{ windowHours: 1.5, language: "de" }, { windowHours: 72, language: null }],
    [{ windowHours: MAX_WINDOW_HOURS, language: 7 }, { windowHours: MAX_WINDOW_HOURS, language: null }],
  ])("%j -> %j", (input, expected) => {
    expect(parseBotAnswerSettings(input)).toEqual(expected);
  });

  it("the window starts that many hours before now", () => {
    expect(windowStart(new Date("2026-11-20T12:00:00.000Z"), 72).toISOString()).toBe("2026-11-17T12:00:00.000Z");
  });
});

describe("contradicts", () => {
  it("only a different stage or action makes an answer wrong", () => {
    expect(contradicts({ stage: "in_transit", action: "inform" }, { stage: "in_transit", action: "inform" })).toBe(false);
    expect(contradicts({ stage: "in_transit", action: "inform" }, { stage: "delivered", action: "inform" })).toBe(true);
    expect(contradicts({ stage: "in_transit", action: "inform" }, { stage: "in_transit", action: "escalate" })).toBe(true);
  });
});

describe("latest answer per order and integration", () => {
  it("keeps the newest per pair", () => {
    const a = told({ answeredAt: "2026-11-20T10:00:00.000Z" });
    const b = told({ answeredAt: "2026-11-20T11:00:00.000Z", stage: "shipped" });
    const other = told({ integration: "Email macro" });
    const otherOrder = told({ orderId: "2" });
    expect(latestPerOrderAndIntegration([b, a, other, otherOrder])).toEqual([b, other, otherOrder]);
  });
});

describe("stale answers", () => {
  it("a customer told 'approved' whose order has since shipped is stale, counted for that integration", () => {
    const answer = told();
    const report = staleAnswers([answer], new Map([["1", truth("in_transit")]]));
    expect(report.stale).toEqual([{ told: answer, truth: truth("in_transit") }]);
    expect(report.byIntegration).toEqual([{ integration: "Helpdesk bot", answers: 1, stale: 1 }]);
  });

  it("a later answer with the new truth supersedes the stale one", () => {
    const early = told();
    const corrected = told({ stage: "in_transit", answeredAt: "2026-11-20T11:00:00.000Z" });
    const report = staleAnswers([early, corrected], new Map([["1", truth("in_transit")]]));
    expect(report.stale).toEqual([]);
    expect(report.byIntegration).toEqual([{ integration: "Helpdesk bot", answers: 2, stale: 0 }]);
  });

  it("counts per integration, most stale first, newest stale answer first", () => {
    const answers = [
      told({ integration: "Chat", orderId: "1", answeredAt: "2026-11-20T09:00:00.000Z" }),
      told({ integration: "Chat", orderId: "2", answeredAt: "2026-11-20T10:00:00.000Z" }),
      told({ integration: "Email", orderId: "1" }),
      told({ integration: "Email", orderId: "3" }),
      told({ integration: "Voice", orderId: "3" }),
    ];
    const report = staleAnswers(answers, new Map([["1", truth("delivered")], ["2", truth("canceled")], ["3", truth("approved")]]));
    expect(report.byIntegration).toEqual([
      { integration: "Chat", answers: 2, stale: 2 },
      { integration: "Email", answers: 2, stale: 1 },
      { integration: "Voice", answers: 1, stale: 0 },
    ]);
    expect(report.stale.map((s) => `${s.told.integration}:${s.told.orderId}`)).toEqual(["Email:1", "Chat:2", "Chat:1"]);
  });

  it("an order without a current answer (erased, or unchanged) is not stale", () => {
    expect(staleAnswers([told()], new Map()).stale).toEqual([]);
  });

  it("stale exactly when the latest answer per pair contradicts the truth", () => {
    const answer = fc.record({
      orderId: fc.constantFrom("1", "2", "3"),
      integration: fc.constantFrom("A", "B"),
      stage: fc.constantFrom(...WISMO_STAGES),
      action: fc.constantFrom(...WISMO_ACTIONS),
      minute: fc.integer({ min: 0, max: 600 }),
    });
    fc.assert(
      fc.property(fc.array(answer, { maxLength: 12 }), fc.constantFrom(...WISMO_STAGES), fc.constantFrom(...WISMO_ACTIONS), (drawn, stage, action) => {
        const answers = drawn.map((d, i) =>
          told({ ...d, answeredAt: new Date(Date.parse("2026-11-20T00:00:00.000Z") + d.minute * 60_000 + i).toISOString() }),
        );
        const now = new Map(["1", "2", "3"].map((id) => [id, truth(stage, action)]));
        const report = staleAnswers(answers, now);
        const latest = latestPerOrderAndIntegration(answers);
        expect(report.stale.length).toBe(latest.filter((a) => a.stage !== stage || a.action !== action).length);
        expect(report.byIntegration.reduce((n, c) => n + c.answers, 0)).toBe(answers.length);
        expect(report.byIntegration.reduce((n, c) => n + c.stale, 0)).toBe(report.stale.length);
        expect(staleAnswers([...answers].reverse(), now).stale).toEqual(report.stale);
      }),
      { numRuns: 300 },
    );
  });
});
