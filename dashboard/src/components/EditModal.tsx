import { Modal, type ModalProps } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

/** A dialog (edit, create, confirm): Mantine's Modal with its close button named "Close" in the
 * user's language (axe: button-name). */
export function EditModal(props: Omit<ModalProps, "closeButtonProps">) {
  const { t } = useTranslation();
  return <Modal {...props} closeButtonProps={{ "aria-label": t("common.close") }} />;
}

/** The edit/create dialog of a list: open while `target` is not undefined (null: a new item);
 * its content drawn for the target, and only while open. */
export function EditDialog<T>({
  target,
  onClose,
  title,
  size,
  children,
}: {
  target: T | null | undefined;
  onClose: () => void;
  title: string;
  size?: ModalProps["size"];
  children: (item: T | null) => ReactNode;
}) {
  return (
    <EditModal opened={target !== undefined} onClose={onClose} title={title} size={size}>
      {target !== undefined && children(target)}
    </EditModal>
  );
}
