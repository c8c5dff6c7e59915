import { notifications } from "@mantine/notifications";
import i18n from "i18next";

/**
 * A passing notice (saved, added, failed) in the corner of the screen. The one way the dashboard
 * shows one: Mantine's close button has no accessible name of its own (axe: button-name), so it is
 * given the translated "Close" here, for every notice.
 */
export function notify(message: string, color: "green" | "red" = "green", title?: string): void {
  notifications.show({ color, message, title, closeButtonProps: { "aria-label": i18n.t("common.close") } });
}

/** A failure notice: red, titled "Something went wrong" in the user's language. */
export function notifyError(message: string): void {
  notify(message, "red", i18n.t("common.errorTitle"));
}
