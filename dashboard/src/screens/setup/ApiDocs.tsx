// The API reference people can try: Swagger UI (built with the dashboard, in this lazily loaded
// chunk) over /api/openapi.json; "try it" calls the API with the signed-in user's session.
import "swagger-ui-dist/swagger-ui.css";
import "./apiDocs.css";

import { Paper, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import SwaggerUI from "swagger-ui-dist/swagger-ui-es-bundle.js";
import { useTranslation } from "react-i18next";

import { API_BASE, authFetch } from "../../api/client";
import { ApiError } from "../../api/errors";
import { ErrorState, LoadingState } from "../../components/States";
import { throughSession, withBrowserBase } from "./apiReference";
import { PageHeader } from "../../components/Page";

export default function ApiDocs() {
  const { t } = useTranslation();
  const node = useRef<HTMLDivElement>(null);
  const document = useQuery({
    queryKey: ["openapi"],
    queryFn: async () => {
      // The document's route is the API's /api/openapi.json, so the browser's path is /api/api/openapi.json
      // (the API Gateway stage is named api; the local stack answers both).
      const response = await fetch(`${API_BASE}/api/openapi.json`);
      if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
      return (await response.json()) as Record<string, unknown>;
    },
    staleTime: Infinity,
  });
  useEffect(() => {
    if (!node.current || !document.data) return;
    SwaggerUI({
      domNode: node.current,
      spec: withBrowserBase(document.data, API_BASE),
      deepLinking: false,
      // Tags collapsed and no schema section: the page opens at once (there are ~150 operations).
      docExpansion: "none",
      defaultModelsExpandDepth: -1,
      filter: true,
      requestInterceptor: throughSession(authFetch),
    });
  }, [document.data]);
  return (
    <>
      <PageHeader title={t("setup.apiDocs.title")} />
      <Text mb="md">{t("setup.apiDocs.intro")}</Text>
      {document.isPending && <LoadingState />}
      {document.isError && <ErrorState error={document.error} onRetry={() => void document.refetch()} />}
      <Paper withBorder p={0} className="api-reference">
        <div ref={node} />
      </Paper>
    </>
  );
}
