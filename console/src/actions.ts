// A conversation's commands as the console sends them: each is accepted at once (202) and the
// action stays "busy" until the projection shows its effect (or 20 s pass).

import { useCallback, useEffect, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { ApiError, describeError } from "./api/client";
import type { ConversationDetail } from "./api/types";
import type { Pending } from "./messages";
import { pendingStore } from "./pending";
import { useApi } from "./session";

export type ActionName = "takeover" | "release" | "resume" | "close" | "restart" | "assign";

interface Busy {
  name: ActionName;
  until: (d: ConversationDetail) => boolean;
}

export function newId(): string {
  try {
    return crypto.randomUUID();
  } catch {
    return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
  }
}

export function useActions(number: string, phone: string, detail: ConversationDetail | undefined) {
  const api = useApi();
  const queries = useQueryClient();
  const [busy, setBusy] = useState<Busy | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refetch = useCallback(() => {
    void queries.invalidateQueries({ queryKey: ["conversation", number, phone] });
    void queries.invalidateQueries({ queryKey: ["conversations"] });
  }, [queries, number, phone]);

  useEffect(() => {
    if (busy && detail && busy.until(detail)) setBusy(null);
  }, [busy, detail]);

  useEffect(() => {
    if (!busy) return;
    const timer = setTimeout(() => setBusy(null), 20_000);
    return () => clearTimeout(timer);
  }, [busy]);

  const run = useCallback(
    async (name: ActionName, path: string, body: unknown, until: Busy["until"]) => {
      setError(null);
      setBusy({ name, until });
      try {
        await api.post(`/conversations/${encodeURIComponent(phone)}/${path}`, body, { number });
        refetch();
        setTimeout(refetch, 1500); // in case a live event is slow
        return true;
      } catch (exc) {
        setBusy(null);
        setError(describeError(exc));
        refetch();
        return false;
      }
    },
    [api, phone, number, refetch],
  );

  const post = useCallback(
    async (p: Pending, body: unknown) => {
      try {
        await api.request("POST", `/conversations/${encodeURIComponent(phone)}/send`, {
          body,
          query: { number },
          headers: { "Idempotency-Key": p.id },
        });
        refetch();
      } catch (exc) {
        pendingStore.update(p.id, { state: "failed", error: describeError(exc) });
        if (exc instanceof ApiError && exc.code === "window_expired") refetch();
      }
    },
    [api, phone, number, refetch],
  );

  return { busy: busy?.name ?? null, error, clearError: () => setError(null), run, post };
}

export type Actions = ReturnType<typeof useActions>;
