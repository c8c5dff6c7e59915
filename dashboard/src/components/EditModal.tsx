import { Modal, type ModalProps } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";

/** A dialog (edit, create, confirm): Mantine's Modal with its close button named "Close" in the
 * user's language (axe: button-name). */
export function EditModal(props: Omit<ModalProps, "closeButtonProps">) {
  const { t } = useTranslation();
  return <Modal {...props} closeButtonProps={{ "aria-label": t("common.close") }} />;
}

/** What an edit/create dialog is open on: `undefined` closed, `null` a new item, else the item edited. */
export function useEditTarget<T>() {
  const [target, setTarget] = useState<T | null | undefined>(undefined);
  return { target, open: (item: T | null) => setTarget(item), close: () => setTarget(undefined), opened: target !== undefined };
}
