import { Badge, Tooltip } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../api/client";
import { unwrap } from "../api/errors";
import { useSession } from "../auth/session";
import { LiveConnection, type LiveStatus } from "./liveConnection";

const LiveStatusContext = createContext<LiveStatus>("connecting");

/** Keeps one live connection while a signed-in screen is open; messages make queries stale. */
export function LiveUpdatesProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  // A ticket carries the country scope of its moment: a manager who switches country reconnects.
  const country = useSession().me?.active_country ?? null;
  const [status, setStatus] = useState<LiveStatus>("connecting");
  useEffect(() => {
    const connection = new LiveConnection({
      issueTicket: async () => unwrap(await api.POST("/live/ticket")),
      openSocket: (url) => new WebSocket(url),
      refresh: (keys) => keys.forEach((queryKey) => void queryClient.invalidateQueries({ queryKey })),
      onStatus: setStatus,
    });
    connection.start();
    return () => connection.stop();
  }, [queryClient, country]);
  return <LiveStatusContext.Provider value={status}>{children}</LiveStatusContext.Provider>;
}

/** The header's note: live, or paused and polling. */
export function LiveIndicator() {
  const { t } = useTranslation();
  const status = useContext(LiveStatusContext);
  if (status === "connecting") return null;
  if (status === "live")
    return (
      <Badge variant="dot" color="green" role="status" data-live-status="live" styles={{ root: { color: "#212529" } }}>
        {t("live.on")}
      </Badge>
    );
  return (
    <Tooltip label={t("live.pausedHelp")}>
      <Badge variant="light" color="yellow" role="status" data-live-status="paused" styles={{ root: { textTransform: "none" } }}>
        {t("live.paused")}
      </Badge>
    </Tooltip>
  );
}
