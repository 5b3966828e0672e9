// Messages the agent sent that the history does not show yet, shown as "sending".

import { useSyncExternalStore } from "react";
import type { Pending } from "./messages";

let items: Pending[] = [];
const listeners = new Set<() => void>();

function emit(next: Pending[]): void {
  items = next;
  for (const l of listeners) l();
}

export const pendingStore = {
  add(p: Pending): void {
    emit([...items, p]);
  },
  update(id: string, change: Partial<Pending>): void {
    emit(items.map((p) => (p.id === id ? { ...p, ...change } : p)));
  },
  remove(ids: string[]): void {
    if (ids.length === 0) return;
    const gone = new Set(ids);
    emit(items.filter((p) => !gone.has(p.id)));
  },
  all(): Pending[] {
    return items;
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export function usePending(conversationKey: string | undefined): Pending[] {
  const all = useSyncExternalStore(pendingStore.subscribe, pendingStore.all, pendingStore.all);
  return conversationKey ? all.filter((p) => p.conversationKey === conversationKey) : [];
}
