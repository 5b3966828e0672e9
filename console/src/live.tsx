// Live updates: one subscription to GET /live while signed in; each change invalidates the
// lists and the open conversation (read again through the API), a few at a time.

import { createContext, useContext, useEffect, useState } from "react";
import type { ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { runLive } from "./api/sse";
import type { LiveState } from "./api/sse";
import { useApi, useSession } from "./session";

const LiveContext = createContext<LiveState>({ state: "connecting" });

export function useLiveState(): LiveState {
  return useContext(LiveContext);
}

/** Coalesces bursts of events into one refetch at most every `ms`. */
export function coalesce(fn: () => void, ms: number): { trigger(): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  return {
    trigger() {
      if (timer === null) {
        timer = setTimeout(() => {
          timer = null;
          fn();
        }, ms);
      }
    },
    cancel() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}

export function LiveProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const queries = useQueryClient();
  const { status, organizationId, caps } = useSession();
  const [state, setState] = useState<LiveState>({ state: "connecting" });
  const scope = caps.pickOrganization ? organizationId : null;

  useEffect(() => {
    if (status !== "signed_in") return;
    const abort = new AbortController();
    // Lists always; a conversation's detail only when the change is about it.
    const changed = new Set<string>();
    let everything = false;
    const refresh = coalesce(() => {
      void queries.invalidateQueries({ queryKey: ["conversations"] });
      if (everything) void queries.invalidateQueries({ queryKey: ["conversation"] });
      else
        for (const key of changed) {
          const [number, phone] = key.split(" ");
          void queries.invalidateQueries({ queryKey: ["conversation", number, phone] });
        }
      changed.clear();
      everything = false;
    }, 150);
    let first = true;
    void runLive(
      api,
      {
        organizationId: scope,
        onChange: (change) => {
          if (change.phone_number_id && change.phone) {
            changed.add(`${change.phone_number_id} ${change.phone}`);
          } else {
            everything = true;
          }
          refresh.trigger();
        },
        onReady: () => {
          if (!first) {
            everything = true; // what changed while disconnected
            refresh.trigger();
          }
          first = false;
        },
        onState: setState,
      },
      abort.signal,
    );
    return () => {
      abort.abort();
      refresh.cancel();
    };
  }, [api, queries, status, scope]);

  return <LiveContext.Provider value={state}>{children}</LiveContext.Provider>;
}

/** For tests: a fixed live state. */
export function StaticLive({ value, children }: { value: LiveState; children: ReactNode }) {
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}
