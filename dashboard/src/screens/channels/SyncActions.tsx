// "Sync now" (pull every active connection of a property) and "Push the whole calendar" (one
// connection), with the API's answer as a notice.
import { Button } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";

import { api } from "../../api/client";
import { unwrap } from "../../api/errors";
import { useSession } from "../../auth/session";
import { notify, notifyError } from "../../components/notify";

export function SyncNowButton({ propertyId, name, size = "xs" }: { propertyId: number; name: string; size?: "xs" | "sm" }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const sync = useMutation({
    mutationFn: async () => unwrap(await api.POST("/properties/{property_id}/sync", { params: { path: { property_id: propertyId } } })),
    onSuccess: async (queued) => {
      notify(t("channels.syncNowQueued", { name, count: queued.connection_ids.length }));
      await queryClient.invalidateQueries({ queryKey: ["sync-status"] });
      await queryClient.invalidateQueries({ queryKey: ["sync-runs", propertyId] });
    },
    onError: (error) => notifyError(error.message),
  });
  if (!can("SYNC_TRIGGER")) return null;
  return (
    <Button size={size} variant="light" onClick={() => sync.mutate()} loading={sync.isPending} aria-label={t("channels.syncNowNamed", { name })}>
      {t("channels.syncNow")}
    </Button>
  );
}

export function FullPushButton({ connectionId, disabled }: { connectionId: number; disabled?: boolean }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const push = useMutation({
    mutationFn: async () => unwrap(await api.POST("/ota-connections/{connection_id}/full-push", { params: { path: { connection_id: connectionId } } })),
    onSuccess: () => notify(t("channels.fullPushQueued")),
    onError: (error) => notifyError(error.message),
  });
  if (!can("SYNC_TRIGGER")) return null;
  return (
    <Button size="sm" variant="default" onClick={() => push.mutate()} loading={push.isPending} disabled={disabled} title={t("channels.fullPushHelp")}>
      {t("channels.fullPush")}
    </Button>
  );
}
