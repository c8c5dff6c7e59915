import { notifications } from "@mantine/notifications";
import i18n from "i18next";
import { beforeAll, describe, expect, it, vi } from "vitest";

import vi_catalog from "../i18n/locales/vi.json";
import { notify, notifyError } from "./notify";

vi.mock("@mantine/notifications", () => ({ notifications: { show: vi.fn() } }));

beforeAll(async () => {
  await i18n.init({ lng: "vi", resources: { vi: { translation: vi_catalog } } });
});

describe("notify", () => {
  it("names every notice's close button in the user's language", () => {
    notify("Saved");
    notifyError("Boom");
    const shown = vi.mocked(notifications.show).mock.calls.map(([props]) => props);
    expect(shown).toHaveLength(2);
    for (const props of shown) expect(props.closeButtonProps).toEqual({ "aria-label": vi_catalog.common.close });
    expect(shown[0]).toMatchObject({ color: "green", message: "Saved" });
    expect(shown[1]).toMatchObject({ color: "red", message: "Boom", title: vi_catalog.common.errorTitle });
  });
});
