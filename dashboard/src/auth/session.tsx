import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

import { api, onSessionEnded, type Schemas } from "../api/client";
import { ApiError, unwrap } from "../api/errors";

export type Me = Schemas["MeResponse"];

interface SessionValue {
  /** undefined while loading; null when signed out. */
  me: Me | null | undefined;
  error: ApiError | null;
  sessionEnded: boolean;
  can: (permission: string) => boolean;
  signedIn: () => Promise<void>;
  signOut: () => Promise<void>;
  switchCountry: (country: string | null) => Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);
export const ME_KEY = ["me"] as const;

async function fetchMe(): Promise<Me | null> {
  const result = await api.GET("/me");
  if (result.response.status === 401) return null;
  return unwrap(result);
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [sessionEnded, setSessionEnded] = useState(false);
  const query = useQuery({ queryKey: ME_KEY, queryFn: fetchMe, staleTime: 60_000, retry: false });

  useEffect(
    () =>
      onSessionEnded(() => {
        // "Your session has ended" only for someone who was signed in.
        if (queryClient.getQueryData(ME_KEY)) setSessionEnded(true);
        queryClient.setQueryData(ME_KEY, null);
      }),
    [queryClient],
  );

  // Data of the previous session must not show in the next one. The "me" query itself is kept
  // (its observer stays attached) and given the new answer.
  const forgetOtherQueries = useCallback(
    () => queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== ME_KEY[0] }),
    [queryClient],
  );

  const signedIn = useCallback(async () => {
    setSessionEnded(false);
    forgetOtherQueries();
    queryClient.setQueryData(ME_KEY, await fetchMe());
  }, [queryClient, forgetOtherQueries]);

  const signOut = useCallback(async () => {
    await api.POST("/auth/logout", { body: {} });
    forgetOtherQueries();
    queryClient.setQueryData(ME_KEY, null);
  }, [queryClient, forgetOtherQueries]);

  const switchCountry = useCallback(
    async (country: string | null) => {
      unwrap(await api.POST("/auth/country", { body: { country_code: country } }));
      // Everything on screen was scoped to the previous country.
      await queryClient.invalidateQueries();
    },
    [queryClient],
  );

  const me = query.data;
  const value = useMemo<SessionValue>(
    () => ({
      me: query.isPending ? undefined : (me ?? null),
      error: query.error instanceof ApiError ? query.error : null,
      sessionEnded,
      can: (permission) => Boolean(me?.permissions.includes(permission)),
      signedIn,
      signOut,
      switchCountry,
    }),
    [me, query.isPending, query.error, sessionEnded, signedIn, signOut, switchCountry],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside SessionProvider");
  return value;
}
