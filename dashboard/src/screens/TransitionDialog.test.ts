import { MantineProvider } from "@mantine/core";
import { useForm } from "@mantine/form";
import { createInstance } from "i18next";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { I18nextProvider } from "react-i18next";
import { describe, expect, it } from "vitest";

import type { Schemas } from "../api/client";
import { ApiError } from "../api/errors";
import en from "../i18n/locales/en.json";
import { TransitionForm, transitionErrors, type TransitionValues } from "./TransitionDialog";

type Dialog = Schemas["TransitionDialogOut"];

const i18n = createInstance();
void i18n.init({ lng: "en", resources: { en: { translation: en } }, initAsync: false, showSupportNotice: false, interpolation: { escapeValue: false } });

function status(code: string, label: string): Schemas["StatusOut"] {
  return { id: code.length, code, label, colour: "#228be6", icon: "", inventory_effect: "sell", is_terminal: false };
}

/** What the API's GET /bookings/{id}/transitions answered for this user. */
const DIALOG: Dialog = {
  current: status("confirmed", "Confirmed"),
  allowed: [
    { transition_id: 11, permission: "BOOKINGS_MANAGE", to_status: status("checked_in", "Checked in") },
    { transition_id: 12, permission: "BOOKINGS_MANAGE", to_status: status("cancelled", "Cancelled") },
  ],
};

function Harness({ dialog, errors = {}, formError = null }: { dialog: Dialog; errors?: Record<string, string>; formError?: string | null }) {
  const form = useForm<TransitionValues>({ initialValues: { to_status: "", reason: "" }, initialErrors: errors });
  return createElement(TransitionForm, { dialog, form, formError, busy: false, onSubmit: () => undefined, onCancel: () => undefined });
}

function render(props: Parameters<typeof Harness>[0]): string {
  return renderToStaticMarkup(
    createElement(MantineProvider, null, createElement(I18nextProvider, { i18n }, createElement(Harness, props))),
  );
}

function radios(html: string): string[] {
  return [...html.matchAll(/<input[^>]*type="radio"[^>]*>/g)].map((m) => /value="([^"]*)"/.exec(m[0])?.[1] ?? "");
}

/** The error text tied (aria-describedby) to the invalid control of this tag. */
function describedError(html: string, tag: "textarea" | "input"): string | null {
  const element = new RegExp(`<${tag}(?=[^>]*aria-invalid="true")[^>]*>`).exec(html)?.[0] ?? "";
  const ids = /aria-describedby="([^"]*)"/.exec(element)?.[1]?.split(" ") ?? [];
  for (const id of ids.filter((i) => i.endsWith("-error"))) {
    const text = new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)?.[1];
    if (text) return text;
  }
  return null;
}

describe("the transition dialog", () => {
  it("offers exactly the statuses the API allows this user, and says where the booking stands", () => {
    const html = render({ dialog: DIALOG });
    expect(radios(html)).toEqual(["checked_in", "cancelled"]);
    expect(html).toContain("Checked in");
    expect(html).toContain("Current status: Confirmed");
    expect(html).not.toContain("no_show"); // a transition the state machine has, not offered to this user
  });

  it("offers nothing, and says so, when the API allows no transition", () => {
    const html = render({ dialog: { ...DIALOG, allowed: [] } });
    expect(radios(html)).toEqual([]);
    expect(html).toContain("You may not move this booking to another status.");
    expect(html).not.toContain("<form");
  });

  it("shows a reason the API requires under the Reason field", () => {
    const refusal = new ApiError(422, {
      error: {
        code: "validation_error",
        message: "Invalid input",
        details: [{ field: "body.reason", message: "A cancellation needs a reason" }],
      },
    });
    const { fields, general } = transitionErrors(refusal);
    expect(fields).toEqual({ reason: "A cancellation needs a reason" });
    expect(general).toBeNull();
    const html = render({ dialog: DIALOG, errors: fields });
    expect(describedError(html, "textarea")).toBe("A cancellation needs a reason");
    expect(html).not.toContain('role="alert"');
  });

  it("shows any other API error above the buttons", () => {
    const refusal = new ApiError(409, { error: { code: "transition_not_allowed", message: "Confirmed → Checked in is not configured." } });
    const { fields, general } = transitionErrors(refusal);
    expect(fields).toEqual({});
    const html = render({ dialog: DIALOG, formError: general });
    expect(html).toMatch(/role="alert"[^>]*>.*Confirmed → Checked in is not configured\./s);
  });
});
