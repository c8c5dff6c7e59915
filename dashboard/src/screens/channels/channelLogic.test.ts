import { describe, expect, it } from "vitest";

import {
  canOpenStep,
  countEntries,
  credentialFields,
  currentStep,
  failureRateColour,
  healthLevel,
  hotelIdsFrom,
  issueText,
  mappingCoverage,
  needsHotelIds,
  type WizardProgress,
} from "./channelLogic";

const START: WizardProgress = { accountId: null, testedOk: false, connectionId: null, openProposals: 0, active: false };

describe("the connect wizard", () => {
  it("walks account → test → discover → mapping → activate as each is done", () => {
    expect(currentStep(START)).toBe(0);
    expect(currentStep({ ...START, accountId: 1 })).toBe(1);
    expect(currentStep({ ...START, accountId: 1, testedOk: true })).toBe(2);
    expect(currentStep({ ...START, accountId: 1, testedOk: true, connectionId: 5, openProposals: 3 })).toBe(3);
    expect(currentStep({ ...START, accountId: 1, testedOk: true, connectionId: 5, openProposals: 0 })).toBe(4);
    expect(currentStep({ ...START, accountId: 1, testedOk: true, connectionId: 5, openProposals: 2, active: true })).toBe(4);
  });

  it("opens no step ahead of the first one not done, but activation once connected", () => {
    const tested = { ...START, accountId: 1, testedOk: true };
    expect(canOpenStep(2, tested)).toBe(true);
    expect(canOpenStep(3, tested)).toBe(false);
    expect(canOpenStep(4, tested)).toBe(false);
    expect(canOpenStep(4, { ...tested, connectionId: 5, openProposals: 4 })).toBe(true);
    expect(canOpenStep(0, tested)).toBe(true);
  });

  it("asks each OTA for its own credentials and hotel ids where it cannot list them", () => {
    expect(credentialFields("booking_com")).toEqual(["username", "password"]);
    expect(credentialFields("expedia")).toEqual(["username", "password"]);
    expect(credentialFields("agoda")).toEqual(["api_key"]);
    expect(credentialFields("traveloka")).toEqual(["api_key"]);
    expect(needsHotelIds("agoda")).toBe(true);
    expect(needsHotelIds("traveloka")).toBe(false);
  });

  it("reads the hotel ids typed, split on commas or spaces, once each", () => {
    expect(hotelIdsFrom(" 1234, 5678 1234;\n90 ")).toEqual(["1234", "5678", "90"]);
    expect(hotelIdsFrom("  ")).toEqual([]);
  });
});

describe("connection health", () => {
  it("says inactive, failing, stale, degraded or ok in that order of precedence", () => {
    expect(healthLevel({ is_active: false, health: "failing", stale: true })).toBe("inactive");
    expect(healthLevel({ is_active: true, health: "failing", stale: true })).toBe("failing");
    expect(healthLevel({ is_active: true, health: "ok", stale: true })).toBe("stale");
    expect(healthLevel({ is_active: true, health: "degraded" })).toBe("degraded");
    expect(healthLevel({ is_active: true, health: "ok", stale: false })).toBe("ok");
  });

  it("colours a failure rate by how often runs fail", () => {
    expect(failureRateColour(null)).toBe("gray");
    expect(failureRateColour(0)).toBe("green");
    expect(failureRateColour(0.1)).toBe("yellow");
    expect(failureRateColour(0.5)).toBe("red");
  });
});

describe("mapping coverage", () => {
  const rooms = [
    { id: 1, code: "DLX", name: "Deluxe" },
    { id: 2, code: "STD", name: "Standard" },
  ];
  const plans = [
    { id: 10, room_type_id: 1, code: "BAR", name: "Best" },
    { id: 11, room_type_id: 1, code: "NRF", name: "Non-refundable" },
    { id: 20, room_type_id: 2, code: "BAR", name: "Best" },
  ];

  it("lists the room types and rate plans nothing maps, and plans whose room is unmapped", () => {
    const coverage = mappingCoverage(rooms, plans, [{ room_type_id: 1 }], [{ rate_plan_id: 10 }]);
    expect(coverage.unmappedRoomTypes.map((r) => r.code)).toEqual(["STD"]);
    expect(coverage.unmappedRatePlans.map((p) => p.id)).toEqual([11, 20]);
    expect([...coverage.blockedRatePlans]).toEqual([20]);
  });

  it("is empty when everything is mapped", () => {
    const coverage = mappingCoverage(rooms, plans, [{ room_type_id: 1 }, { room_type_id: 2 }], plans.map((p) => ({ rate_plan_id: p.id })));
    expect(coverage.unmappedRoomTypes).toEqual([]);
    expect(coverage.unmappedRatePlans).toEqual([]);
    expect(coverage.blockedRatePlans.size).toBe(0);
  });
});

describe("sync run details", () => {
  it("shows scalar counts sorted by name", () => {
    expect(countEntries({ pushed: 12, pulled: 3, nested: { a: 1 }, none: null })).toEqual([
      ["pulled", "3"],
      ["pushed", "12"],
    ]);
    expect(countEntries(null)).toEqual([]);
  });

  it("writes an error or warning as one line", () => {
    expect(issueText("plain")).toBe("plain");
    expect(issueText({ message: "closed to arrival not supported", kind: "unsupported", item_id: "DLX" })).toBe(
      "closed to arrival not supported (unsupported · DLX)",
    );
    expect(issueText({ other: 1 })).toBe('{"other":1}');
  });
});
