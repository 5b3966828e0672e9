// The signed-in session: the API client, the user, the organization a super admin works in.

import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { ApiClient } from "./api/client";
import type { User } from "./api/types";
import { capsOf } from "./roles";
import type { Caps } from "./roles";

const ApiContext = createContext<ApiClient | null>(null);

export function ApiProvider({ client, children }: { client: ApiClient; children: ReactNode }) {
  return <ApiContext.Provider value={client}>{children}</ApiContext.Provider>;
}

export function useApi(): ApiClient {
  const client = useContext(ApiContext);
  if (!client) throw new Error("useApi outside ApiProvider");
  return client;
}

export type AuthStatus = "restoring" | "signed_out" | "signed_in";

export interface Session {
  status: AuthStatus;
  user: User | null;
  caps: Caps;
  /** Why the user was signed out, when it was not their choice. */
  notice: string | null;
  login(email: string, password: string): Promise<void>;
  logout(): Promise<void>;
  /** The organization a super admin looks at (null: all); a tenant user's own. */
  organizationId: string | null;
  setOrganizationId(id: string | null): void;
}

const SessionContext = createContext<Session | null>(null);
const ORG_KEY = "pytake.organization";

function storedOrg(): string | null {
  try {
    return sessionStorage.getItem(ORG_KEY);
  } catch {
    return null;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const client = useApi();
  const queries = useQueryClient();
  const [status, setStatus] = useState<AuthStatus>(client.hasSession ? "restoring" : "signed_out");
  const [user, setUser] = useState<User | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [org, setOrg] = useState<string | null>(storedOrg);
  const [attempt, setAttempt] = useState(0);

  useEffect(
    () =>
      client.onSessionEnd((why) => {
        setUser(null);
        setStatus("signed_out");
        setNotice(why === "expired" ? "Your session has ended. Sign in again to continue." : null);
        queries.clear();
      }),
    [client, queries],
  );

  useEffect(() => {
    if (status !== "restoring") return;
    let cancelled = false;
    client
      .get<User>("/auth/me")
      .then((me) => {
        if (cancelled) return;
        setUser(me);
        setStatus("signed_in");
      })
      .catch(() => {
        if (cancelled) return;
        if (!client.hasSession) setStatus("signed_out");
        else setTimeout(() => !cancelled && setAttempt((n) => n + 1), 2000);
      });
    return () => {
      cancelled = true;
    };
  }, [client, status, attempt]);

  const login = useCallback(
    async (email: string, password: string) => {
      const me = await client.login(email, password);
      queries.clear();
      setNotice(null);
      setUser(me);
      setStatus("signed_in");
    },
    [client, queries],
  );

  const logout = useCallback(async () => {
    await client.logout();
  }, [client]);

  const setOrganizationId = useCallback((id: string | null) => {
    setOrg(id);
    try {
      if (id) sessionStorage.setItem(ORG_KEY, id);
      else sessionStorage.removeItem(ORG_KEY);
    } catch {
      // kept for this page only
    }
  }, []);

  const caps = useMemo(() => capsOf(user), [user]);
  const organizationId = caps.pickOrganization ? org : (user?.organization_id ?? null);
  const value = useMemo<Session>(
    () => ({
      status,
      user,
      caps,
      notice,
      login,
      logout,
      organizationId,
      setOrganizationId,
    }),
    [status, user, caps, notice, login, logout, organizationId, setOrganizationId],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

/** For tests and stories: a fixed session. */
export function StaticSession({ value, children }: { value: Session; children: ReactNode }) {
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
